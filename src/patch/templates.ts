import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../util/digest.js';

/** patches/cluster-ip, found from src/patch or dist/patch alike (both two levels below the package root). */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../patches/cluster-ip/', import.meta.url));

const NAMES = ['single-stack-value.go.tmpl', 'single-stack.go.tmpl', 'dual-stack.go.tmpl'] as const;
export type TemplateName = (typeof NAMES)[number];

let cache: Map<TemplateName, string> | undefined;

function load(): Map<TemplateName, string> {
  if (!cache) {
    cache = new Map(NAMES.map((n) => [n, readFileSync(TEMPLATE_DIR + n, 'utf8')] as const));
  }
  return cache;
}

export function template(name: TemplateName): string {
  return load().get(name) as string;
}

/** Fills {{NAME}} placeholders; an unknown or missing placeholder is a bug. */
export function render(name: TemplateName, values: Record<string, string>): string {
  return template(name).replace(/\{\{([A-Z]+)\}\}/g, (_, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`template ${name}: no value for {{${k}}}`);
    return v;
  });
}

/** The patch rules' version: the sha256 of the templates, so any change to them changes it. */
export function patchRulesVersion(): string {
  const h = createHash('sha256');
  for (const n of NAMES) h.update(`${n}\0${template(n)}\0`);
  return h.digest('hex');
}

/** The `io.vc-coredns.patch` label: sha256 of the rules' version and the key. */
export function patchId(key: string): string {
  return sha256Hex(`${patchRulesVersion()}\0${key}`);
}
