// Options that take one value are given once: `--version v1.9.3 --version v1.12.0` is bad input naming
// both values, never "the last one wins". Options that add a value each time (their parser takes the
// previous value: --push, --output, --also-tag) may repeat. Options that exclude each other say so.
import type { Command, Option } from 'commander';
import { badInput } from '../errors.js';

/** Pairs of options (attribute names) that exclude each other, per command. */
const CONFLICTS: Record<string, [string, string][]> = {
  build: [
    ['version', 'kubernetes'],
    ['source', 'kubernetes'],
  ],
  matrix: [['range', 'kubernetes']],
};

function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

function accumulates(o: Option): boolean {
  return o.variadic || (typeof o.parseArg === 'function' && o.parseArg.length >= 2);
}

const shown = (v: unknown) =>
  typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v) : '';

/** Makes every command of the program refuse a repeated single-value option and the CONFLICTS. */
export function strictOptions(program: Command): void {
  for (const cmd of program.commands) {
    for (const [a, b] of CONFLICTS[cmd.name()] ?? []) {
      const option = cmd.options.find((o) => o.attributeName() === a);
      if (!option) throw new Error(`strictOptions: ${cmd.name()} has no option ${a}`);
      option.conflicts(b);
    }
    for (const o of cmd.options) {
      if (!takesValue(o) || accumulates(o)) continue;
      let first: { value: unknown } | null = null;
      cmd.on(`option:${o.name()}`, (value: unknown) => {
        if (first === null) {
          first = { value };
          return;
        }
        throw badInput(
          `${o.long ?? o.flags} is given twice (${shown(first.value)} and ${shown(value)})`,
          'BAD_FLAG',
          `it takes one value; run vc-coredns ${cmd.name()} --help`,
        );
      });
    }
  }
}
