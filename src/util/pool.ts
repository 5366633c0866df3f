// The one worker pool: compile runs platforms through it, the registry sink its blob uploads.

/**
 * Runs fn on every item, at most `limit` at once, in order. The first failure stops handing out items
 * and aborts the signal each fn gets (so running work stops too); that failure is what rejects. The
 * caller's signal aborts the same way.
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<unknown>,
  signal?: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const inner = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined && !inner.aborted) {
      const item = items[next++] as T;
      try {
        await fn(item, inner);
      } catch (e) {
        failure ??= { error: e };
        stop.abort(e);
      }
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
}
