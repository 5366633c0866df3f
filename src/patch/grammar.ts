import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

/** Path of the Go grammar's WASM that the tree-sitter-go package ships (its native prebuilds are unused). */
export function goGrammarPath(): string {
  return require.resolve('tree-sitter-go/tree-sitter-go.wasm');
}

let loading: Promise<Parser> | undefined;

/**
 * Loads web-tree-sitter and the Go grammar once per process. Planning takes the loaded parser as a
 * value, so it stays synchronous and testable.
 */
export function loadGoParser(wasmPath: string = goGrammarPath()): Promise<Parser> {
  if (wasmPath !== goGrammarPath()) return createParser(wasmPath);
  loading ??= createParser(wasmPath).catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

async function createParser(wasmPath: string): Promise<Parser> {
  await Parser.init();
  const language = await Language.load(wasmPath);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** Like loadGoParser, but a grammar that cannot load yields the reason instead of a parser. */
export async function tryLoadGoParser(
  wasmPath?: string,
): Promise<{ parser: Parser; error: null } | { parser: null; error: string }> {
  try {
    return { parser: await loadGoParser(wasmPath), error: null };
  } catch (e) {
    return { parser: null, error: e instanceof Error ? e.message : String(e) };
  }
}
