// `--kubernetes-map FILE`: the file read, here at the edge; parsing stays pure in versions/kubernetes.ts.
import { readFile as fsReadFile } from 'node:fs/promises';
import { VcError } from '../errors.js';
import {
  KUBERNETES_COREDNS,
  type KubernetesTable,
  mergeKubernetesTables,
  parseKubernetesMap,
} from '../versions/kubernetes.js';

export type ReadText = (path: string) => Promise<string>;

const readUtf8: ReadText = (path) => fsReadFile(path, 'utf8');

/** Reads FILE and returns `base` extended/overridden by it. Unreadable or invalid -> BAD_KUBERNETES_MAP. */
export async function loadKubernetesMap(
  path: string,
  base: KubernetesTable = KUBERNETES_COREDNS,
  readText: ReadText = readUtf8,
): Promise<KubernetesTable> {
  let text: string;
  try {
    text = await readText(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (e as Error).message;
    throw new VcError(`--kubernetes-map ${path}: cannot read it (${reason})`, {
      code: 'BAD_KUBERNETES_MAP',
      hint: 'give a JSON file such as {"1.38": "v1.14.8"}',
      exitCode: 2,
      cause: e,
    });
  }
  return mergeKubernetesTables(base, parseKubernetesMap(text, `--kubernetes-map ${path}`));
}
