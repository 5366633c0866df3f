import { expect } from 'vitest';
import { isVcError, type VcError } from '../../src/errors.js';

/** Runs fn, which must throw a VcError with exit code 2 and exactly these fields. */
export function expectBadInput(
  fn: () => unknown,
  want: { code: string; message: string; hint?: string },
): VcError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isVcError(caught), `expected a VcError, got ${String(caught)}`).toBe(true);
  const err = caught as VcError;
  expect({ code: err.code, message: err.message, exitCode: err.exitCode }).toEqual({
    code: want.code,
    message: want.message,
    exitCode: 2,
  });
  if (want.hint !== undefined) expect(err.hint).toBe(want.hint);
  return err;
}
