import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-lines.js';

describe('log lines for a terminal', () => {
  it('turns a pino line into one readable line', () => {
    const line = JSON.stringify({
      level: 30,
      time: '2026-11-29T12:04:01.123Z',
      msg: 'unit listening',
      url: 'http://x',
      pid: 1,
    });
    expect(formatLogLine('unit-1', line)).toBe('12:04:01 INFO  unit-1       unit listening url=http://x');
  });

  it('keeps the stack of an error, indented under its line', () => {
    const err = new Error('boom');
    const line = JSON.stringify({
      level: 50,
      time: '2026-11-29T12:04:01.123Z',
      msg: 'failed',
      err: { type: 'Error', message: 'boom', stack: err.stack },
    });
    const [head, ...rest] = formatLogLine('data-writer', line).split('\n');
    expect(head).toBe('12:04:01 ERROR data-writer  failed err="boom"');
    expect(rest[0]).toMatch(/^\s+Error: boom$/);
    expect(rest.some((l) => /^\s+at /.test(l))).toBe(true);
  });

  it('passes other lines through', () => {
    expect(formatLogLine('grid', 'plain text')).toContain('grid         plain text');
  });
});
