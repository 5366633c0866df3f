// The one shape of "stopped by the signal": VcError ABORTED (exit 1; the CLI's entry turns a run that
// was interrupted into 130 or 143), whatever stage noticed it.
import { VcError } from '../errors.js';

/** The error of work stopped by `signal`; `message` says what stopped (default "interrupted"). */
export function abortError(signal: AbortSignal | undefined, message = 'interrupted'): VcError {
  const reason: unknown = signal?.reason;
  return new VcError(message, {
    code: 'ABORTED',
    ...(reason instanceof Error && reason.name !== 'AbortError' ? { cause: reason } : {}),
  });
}

export function throwIfAborted(signal: AbortSignal | undefined, message?: string): void {
  if (signal?.aborted) throw abortError(signal, message);
}
