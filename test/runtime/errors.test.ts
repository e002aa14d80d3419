import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, LiftError, SailsRtError, type ErrorCode } from '../../src/runtime/errors.js';

const entries = Object.entries(ERROR_CATALOG) as [ErrorCode, (typeof ERROR_CATALOG)[ErrorCode]][];

describe('error catalog', () => {
  it('keeps the Waterline codes Sails front ends branch on', () => {
    for (const code of ['E_INVALID_CRITERIA', 'E_INVALID_NEW_RECORD', 'E_INVALID_VALUES_TO_SET', 'E_UNIQUE']) {
      expect(ERROR_CATALOG).toHaveProperty(code);
    }
    expect(ERROR_CATALOG['SAILS:HOOK:SOCKETS:NO_SUCH_SOCKET'].status).toBe(404);
  });

  it.each(entries)('%s has a stable code, a 4xx/5xx status and a summary sentence', (code, entry) => {
    expect(code).toMatch(/^(E_[A-Z_]+|SAILS:HOOK:SOCKETS:[A-Z_]+)$/);
    expect(entry.status).toBeGreaterThanOrEqual(400);
    expect(entry.status).toBeLessThan(600);
    expect(entry.summary).toMatch(/^[A-Za-z`].+\.$/);
  });

  it('has no code twice, ignoring case', () => {
    const codes = entries.map(([code]) => code.toLowerCase());
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each(entries)('%s serializes to exactly { code, message, details? }', (code, entry) => {
    const plain = new SailsRtError(code, 'What went wrong; what to do.');
    expect(plain.status).toBe(entry.status);
    expect(plain.toJSON()).toStrictEqual({ code, message: 'What went wrong; what to do.' });
    expect(JSON.parse(JSON.stringify(plain))).toStrictEqual({ code, message: 'What went wrong; what to do.' });
    const detailed = new SailsRtError(code, 'm', { details: 'd' });
    expect(detailed.toJSON()).toStrictEqual({ code, message: 'm', details: 'd' });
  });

  it('is an Error with a code and a status, so app code can catch it like Sails errors', () => {
    const error = new SailsRtError('E_UNIQUE', 'dup', { modelIdentity: 'user', attrNames: ['email'] });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('E_UNIQUE');
    expect(error.toJSON()).toStrictEqual({ code: 'E_UNIQUE', message: 'dup', modelIdentity: 'user', attrNames: ['email'] });
  });

  it('keeps lift errors out of the client catalog', () => {
    expect(new LiftError('x').code).toBe('E_LIFT');
    expect(Object.keys(ERROR_CATALOG)).not.toContain('E_LIFT');
  });
});

describe('isSailsRtError', () => {
  it('recognises a catalogued error from another copy of the module, and nothing else', async () => {
    const { isSailsRtError } = await import('../../src/runtime/errors.js');
    class Elsewhere extends Error {
      code = 'E_UNIQUE';
      status = 400;
      toJSON() {
        return { code: this.code, message: this.message };
      }
    }
    expect(isSailsRtError(new Elsewhere('x'))).toBe(true);
    expect(isSailsRtError(new SailsRtError('E_INVALID_CRITERIA', 'x'))).toBe(true);
    expect(isSailsRtError(Object.assign(new Error('x'), { code: 'ENOENT', toJSON: () => ({}) }))).toBe(false);
    expect(isSailsRtError({ code: 'E_UNIQUE', toJSON: () => ({}) })).toBe(false);
  });
});
