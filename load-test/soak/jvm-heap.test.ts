import { describe, expect, it } from 'vitest';
import { parseJstatGc } from './jvm-heap.js';

/** `jstat -gc <pid>` of a G1 member on JDK 17 (sizes in KiB). */
const JDK17_G1 = `    S0C         S1C         S0U         S1U          EC           EU           OC           OU          MC         MU       CCSC      CCSU     YGC     YGCT     FGC    FGCT     CGC    CGCT       GCT
        0.0     16384.0         0.0     16384.0     389120.0     102400.0     643072.0     153600.0    61440.0    60044.2    7680.0    7012.5     42     0.512     0     0.000     6     0.031     0.543
`;

describe('parseJstatGc', () => {
  it('reads used, after-GC (survivors + old), old, committed and the collection counts, in MiB', () => {
    expect(parseJstatGc(JDK17_G1)).toEqual({
      usedMb: (16384 + 102400 + 153600) / 1024,
      afterGcMb: (16384 + 153600) / 1024,
      oldMb: 150,
      committedMb: (16384 + 389120 + 643072) / 1024,
      youngGcs: 42,
      fullGcs: 0,
      fullGcSec: 0,
    });
  });

  it('finds the columns by name, in any order', () => {
    const reordered =
      'OU EU S1U S0U OC EC S1C S0C FGCT FGC YGC\n1024 2048 0 512 4096 4096 1024 1024 0.25 1 9\n';
    expect(parseJstatGc(reordered)).toMatchObject({
      usedMb: 3.5,
      afterGcMb: 1.5,
      oldMb: 1,
      youngGcs: 9,
      fullGcs: 1,
      fullGcSec: 0.25,
    });
  });

  it('refuses output without a reading or without a column it needs', () => {
    expect(() => parseJstatGc('12345 not found\n')).toThrow(/no reading/);
    expect(() => parseJstatGc('S0U S1U EU\n1 2 3\n')).toThrow(/no numeric OU column/);
  });
});
