import { describe, expect, it } from 'vitest';
import { classifyWriteError, sqlstateOf } from './classify-error.js';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('classifying a failed write', () => {
  it('sends data errors (classes 22 and 23) to repair', () => {
    for (const code of ['22P05', '22008', '22003', '22021', '23505', '23514', '23502'])
      expect(classifyWriteError(pgError(code)), code).toBe('data');
  });

  it('retries what says nothing about the change: connections, timeouts, serialization, shutdowns', () => {
    for (const code of ['08006', '08001', '40001', '40P01', '57P01', '57P03', '57014', '53300', '58030'])
      expect(classifyWriteError(pgError(code)), code).toBe('transient');
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'])
      expect(classifyWriteError(pgError(code)), code).toBe('transient');
    expect(classifyWriteError(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(classifyWriteError(new Error('timeout exceeded when trying to connect'))).toBe('transient');
  });

  it('counts anything else as the change’s own fault (it is isolated before it is blamed)', () => {
    expect(classifyWriteError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(
      'data',
    );
    expect(classifyWriteError(pgError('42703'))).toBe('data');
    expect(classifyWriteError('a string')).toBe('data');
  });

  it('reads the SQLSTATE when there is one', () => {
    expect(sqlstateOf(pgError('22P05'))).toBe('22P05');
    expect(sqlstateOf(pgError('ECONNREFUSED'))).toBeNull();
    expect(sqlstateOf(new Error('x'))).toBeNull();
  });
});
