import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Parser } from 'web-tree-sitter';
import {
  annotationKeyProblem,
  applyEdits,
  DEFAULT_ANNOTATION,
  findGofmt,
  type GoFmt,
  loadGoParser,
  parseAnnotationKey,
  planPatch,
  type Strategy,
  tryLoadGoParser,
  verifyPatched,
} from '../../src/patch/index.js';
import { thrown } from '../support/errors.js';

const FIXTURES = new URL('../fixtures/patch/', import.meta.url).pathname;
/** Every variant folder (input.go, expected.go) beside the must-not-match cases: adding one is adding a folder. */
const VARIANTS = (await readdir(FIXTURES, { withFileTypes: true }))
  .filter((d) => d.isDirectory() && d.name !== 'must-not-match')
  .map((d) => d.name)
  .sort();
if (VARIANTS.length < 4) throw new Error(`expected the patch fixture variants in ${FIXTURES}`);
const KEY = parseAnnotationKey(DEFAULT_ANNOTATION);
/** The documented manual recipe's sed, as GNU sed would apply it (s/svc.Spec.ClusterIP/.../g). */
const SED_REPLACEMENT =
  'func(sCIP string) string { if sCIP == "" { return svc.Spec.ClusterIP } else { return sCIP } } (svc.Annotations["transparency.tenancy.x-k8s.io/clusterIP"])';
const documentedSed = (src: string) => src.replace(/svc.Spec.ClusterIP/g, SED_REPLACEMENT);

let parser: Parser;
let gofmt: GoFmt;
const read = (p: string) => readFile(join(FIXTURES, p), 'utf8');

beforeAll(async () => {
  parser = await loadGoParser();
  const found = await findGofmt();
  if (!found) throw new Error('gofmt must be on PATH for these tests (scripts/setup.sh installs Go)');
  gofmt = found;
});

/** Plans with one strategy (text runs with no parser, as when the grammar cannot load) and verifies. */
async function patchWith(strategy: Exclude<Strategy, 'auto'>, src: string, key = KEY) {
  const p = planPatch(src, key, {
    strategy,
    parser: strategy === 'ast' ? parser : null,
    grammarError: 'test',
  });
  if (p.kind !== 'plan') return { planned: p, out: src };
  const out = applyEdits(src, p.plan.edits);
  await verifyPatched(src, out, p.plan, key, { parser: strategy === 'ast' ? parser : null, gofmt });
  return { planned: p, out };
}

describe.each(VARIANTS)('variant %s', (variant) => {
  for (const strategy of ['ast', 'text'] as const) {
    it(`${strategy}: input becomes exactly expected.go`, async () => {
      const [input, expected] = await Promise.all([
        read(`${variant}/input.go`),
        read(`${variant}/expected.go`),
      ]);
      const { planned, out } = await patchWith(strategy, input);
      expect(planned.kind).toBe('plan');
      if (planned.kind === 'plan') {
        expect(planned.plan.strategy).toBe(strategy);
        expect(planned.plan.shape).toBe(variant === 'dual-stack' ? 'dual-stack' : 'single-stack');
      }
      expect(out).toBe(expected);
    });

    it(`${strategy}: patching twice changes nothing (idempotent)`, async () => {
      const expected = await read(`${variant}/expected.go`);
      const planned = planPatch(expected, KEY, { strategy, parser: strategy === 'ast' ? parser : null });
      expect(planned.kind).toBe('already');
      if (planned.kind === 'already') expect(planned.existing).toMatchObject({ via: 'marker', key: KEY });
    });

    it(`${strategy}: non-ASCII text before the anchor does not shift the edit`, async () => {
      const [input, expected] = await Promise.all([
        read(`${variant}/input.go`),
        read(`${variant}/expected.go`),
      ]);
      const prefix = '// Größe, 日本語 and 🚀: offsets are UTF-16 indices, not bytes.\n';
      const { out } = await patchWith(strategy, prefix + input);
      expect(out).toBe(prefix + expected);
    });

    it(`${strategy}: CRLF files keep CRLF`, async () => {
      const [input, expected] = await Promise.all([
        read(`${variant}/input.go`),
        read(`${variant}/expected.go`),
      ]);
      const crlf = (s: string) => s.replace(/\n/g, '\r\n');
      const { out } = await patchWith(strategy, crlf(input));
      expect(out).toBe(crlf(expected));
      expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    });

    it(`${strategy}: a marker for another key is refused, naming both keys`, async () => {
      const expected = await read(`${variant}/expected.go`);
      const e = thrown(() =>
        planPatch(expected, parseAnnotationKey('example.com/super-ip'), {
          strategy,
          parser: strategy === 'ast' ? parser : null,
        }),
      );
      expect(e.code).toBe('OTHER_KEY');
      expect(e.exitCode).toBe(1);
      expect(e.message).toContain(DEFAULT_ANNOTATION);
      expect(e.message).toContain('example.com/super-ip');
    });
  }

  it('another key is emitted as a Go string literal in every place', async () => {
    const input = await read(`${variant}/input.go`);
    const key = parseAnnotationKey('example.com/super-ip');
    const { out } = await patchWith('ast', input, key);
    expect(out).toContain('svc.Annotations["example.com/super-ip"]');
    expect(out).toContain('annotation "example.com/super-ip"');
    expect(out).not.toContain(DEFAULT_ANNOTATION);
  });

  it('auto uses the tree and says why', async () => {
    const input = await read(`${variant}/input.go`);
    const p = planPatch(input, KEY, { strategy: 'auto', parser });
    expect(p).toMatchObject({
      kind: 'plan',
      plan: { strategy: 'ast', reason: 'the syntax tree has the anchor' },
    });
  });

  it('auto falls back to text when the grammar cannot load', async () => {
    const input = await read(`${variant}/input.go`);
    const grammar = await tryLoadGoParser(join(FIXTURES, 'no-such-grammar.wasm'));
    expect(grammar.parser).toBeNull();
    const p = planPatch(input, KEY, {
      strategy: 'auto',
      parser: grammar.parser,
      grammarError: grammar.error ?? '',
    });
    expect(p.kind).toBe('plan');
    if (p.kind === 'plan') {
      expect(p.plan.strategy).toBe('text');
      expect(p.plan.reason).toMatch(/^grammar failed to load: /);
      expect(applyEdits(input, p.plan.edits)).toBe(await read(`${variant}/expected.go`));
    }
  });
});

describe('must-not-match', async () => {
  const cases = (await readdir(join(FIXTURES, 'must-not-match'))).filter((f) => f.endsWith('.go'));
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(4));
  describe.each(cases)('%s', (file) => {
    for (const strategy of ['ast', 'text', 'auto'] as const) {
      it(`${strategy}: unknown shape, saying what was found`, async () => {
        const src = await read(`must-not-match/${file}`);
        const e = thrown(() =>
          planPatch(src, KEY, { strategy, parser: strategy === 'text' ? null : parser }),
        );
        expect(e.code).toBe('UNKNOWN_SHAPE');
        expect(e.exitCode).toBe(1);
        expect(e.message).toMatch(/has an unknown code shape: found /);
      });
    }
  });
});

describe('the documented sed patch', () => {
  for (const variant of VARIANTS.filter((v) => v.startsWith('single'))) {
    it(`is recognized as already patched on ${variant}`, async () => {
      const sedded = documentedSed(await read(`${variant}/input.go`));
      for (const strategy of ['ast', 'text'] as const) {
        const p = planPatch(sedded, KEY, { strategy, parser: strategy === 'ast' ? parser : null });
        expect(p).toMatchObject({
          kind: 'already',
          existing: { via: 'documented-sed', key: DEFAULT_ANNOTATION },
        });
      }
    });
  }

  it('for another key than asked is refused', async () => {
    const sedded = documentedSed(await read('single-stack-v1.7/input.go'));
    const e = thrown(() =>
      planPatch(sedded, parseAnnotationKey('example.com/ip'), { strategy: 'ast', parser }),
    );
    expect(e.code).toBe('OTHER_KEY');
    expect(e.message).toContain('documented sed patch');
  });

  it('breaks the dual-stack fixture (regression): real sed output is not Go, and patch says why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vc-sed-'));
    try {
      const file = join(dir, 'service.go');
      await writeFile(file, await read('dual-stack/input.go'));
      // The SEED document's command, verbatim but for the path.
      await execa('sed', [
        '-i',
        '-e',
        's/svc.Spec.ClusterIP/func(sCIP string) string { if sCIP == "" { return svc.Spec.ClusterIP } else { return sCIP } } (svc.Annotations["transparency.tenancy.x-k8s.io\\/clusterIP"])/g',
        file,
      ]);
      const sedded = await readFile(file, 'utf8');
      expect(sedded).toBe(documentedSed(await read('dual-stack/input.go')));
      expect(sedded).toContain('(svc.Annotations["transparency.tenancy.x-k8s.io/clusterIP"])s');
      const fmt = await gofmt.format(sedded);
      expect(fmt.ok).toBe(false);
      const e = thrown(() => planPatch(sedded, KEY, { strategy: 'auto', parser }));
      expect(e.code).toBe('UNPARSABLE_GO');
      expect(e.hint).toContain('documented sed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('annotation keys', () => {
  it.each([
    DEFAULT_ANNOTATION,
    'clusterIP',
    'a/b',
    'example.com/A.b_c-9',
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}/x`,
    `x/${'n'.repeat(63)}`,
  ])('accepts %s', (key) => {
    expect(annotationKeyProblem(key)).toBeNull();
  });

  it.each([
    ['', /empty/],
    ['/name', /prefix before "\/" is empty/],
    ['example.com/', /name after "\/" is empty/],
    ['Example.com/x', /not a DNS subdomain/],
    ['exa_mple.com/x', /not a DNS subdomain/],
    ['-a.com/x', /not a DNS subdomain/],
    [`${'a'.repeat(64)}.com/x`, /not a DNS subdomain/],
    [`${'a.'.repeat(127)}ab/x`, /at most 253/],
    [`x/${'n'.repeat(64)}`, /at most 63/],
    ['x/-name', /beginning and ending/],
    ['x/name.', /beginning and ending/],
    ['x/na me', /must consist of/],
    ['x/a"b', /must consist of/],
    ['a/b/c', /must consist of/],
    ['x/ünï', /must consist of/],
  ])('rejects %j', (key, why) => {
    expect(annotationKeyProblem(key)).toMatch(why);
    const e = thrown(() => parseAnnotationKey(key));
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('BAD_ANNOTATION_KEY');
  });
});

describe('unparsable Go', () => {
  it('is an error for both tree strategies, and text output is checked by gofmt', async () => {
    const broken = (await read('single-stack-v1.7/input.go')).replace('func toService(', 'func toService((');
    for (const strategy of ['ast', 'auto'] as const) {
      const e = thrown(() => planPatch(broken, KEY, { strategy, parser }));
      expect(e.code).toBe('UNPARSABLE_GO');
      expect(e.message).toMatch(/is not valid Go \(line \d+, column \d+/);
    }
    const p = planPatch(broken, KEY, { strategy: 'text', parser: null });
    expect(p.kind).toBe('plan');
    if (p.kind === 'plan') {
      const out = applyEdits(broken, p.plan.edits);
      await expect(verifyPatched(broken, out, p.plan, KEY, { parser: null, gofmt })).rejects.toThrow(
        /gofmt -e/,
      );
      await expect(verifyPatched(broken, out, p.plan, KEY, { parser: null, gofmt: null })).rejects.toThrow(
        /gofmt is not on PATH/,
      );
    }
  });
});

afterAll(() => {
  parser?.delete();
});
