import { isVcError, type VcError } from '../../src/errors.js';

/** The VcError fn throws; any other outcome fails the test. */
export function thrown(fn: () => unknown): VcError {
  try {
    fn();
  } catch (e) {
    if (isVcError(e)) return e;
    throw e;
  }
  throw new Error('expected a VcError');
}

/** The VcError p rejects with; any other outcome fails the test. */
export async function rejection(p: Promise<unknown>): Promise<VcError> {
  try {
    await p;
  } catch (e) {
    if (isVcError(e)) return e;
    throw e;
  }
  throw new Error('expected a VcError');
}
