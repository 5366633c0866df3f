import { badInput } from '../errors.js';

/** For help texts, without loading the version tables at start-up. */
export { DEFAULT_PLATFORMS } from '../versions/default-platforms.js';

export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw badInput(`${flag} must be one of ${choices.join(', ')}, not ${JSON.stringify(value)}`, 'BAD_FLAG');
}

export function parsePositiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw badInput(`${flag} must be a whole number of 1 or more`, 'BAD_FLAG');
  return n;
}
