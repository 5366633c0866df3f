// Canonical JSON for everything whose digest matters (configs, manifests, indexes, build keys): object
// keys sorted by UTF-16 code unit (as JavaScript compares strings), no whitespace, undefined members
// dropped, no trailing newline. The same value gives the same bytes on every machine and Node version.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };

function normalize(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new Error(`canonical JSON: ${path} is not a safe integer: ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => normalize(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = normalize(v, `${path}.${key}`);
    }
    return out;
  }
  throw new Error(`canonical JSON: ${path} has type ${typeof value}`);
}

/** The canonical text of a JSON value (integers only: no float formatting questions). */
export function canonicalJson(value: Json | object): string {
  return JSON.stringify(normalize(value, '$'));
}

/** The canonical UTF-8 bytes of a JSON value. */
export function canonicalJsonBytes(value: Json | object): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
