// --kubernetes-map FILE: the file read at the CLI's edge; the parsing is versions/kubernetes.ts's.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubernetesMap } from '../../src/cli/load-kubernetes-map.js';
import { coreDnsForKubernetes } from '../../src/versions/index.js';

describe('loadKubernetesMap', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vc-coredns-k8s-map-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file and extends the built-in table', async () => {
    const file = join(dir, 'map.json');
    await writeFile(file, '{"1.38": {"0": "v1.14.8", "3": "v1.14.9"}}\n');
    const table = await loadKubernetesMap(file);
    expect(coreDnsForKubernetes('1.38.2', table)).toBe('v1.14.8');
    expect(coreDnsForKubernetes('1.38', table)).toBe('v1.14.9');
    expect(coreDnsForKubernetes('1.30', table)).toBe('v1.11.3');
  });

  it('names the file in its errors', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, '{"1.38": "soon"}');
    await expect(loadKubernetesMap(file)).rejects.toMatchObject({
      code: 'BAD_KUBERNETES_MAP',
      exitCode: 2,
      message: `--kubernetes-map ${file}: Kubernetes 1.38: "soon" is not a CoreDNS version like v1.14.8`,
    });
    const missing = join(dir, 'missing.json');
    await expect(loadKubernetesMap(missing)).rejects.toMatchObject({
      code: 'BAD_KUBERNETES_MAP',
      exitCode: 2,
      message: `--kubernetes-map ${missing}: cannot read it (no such file)`,
      hint: 'give a JSON file such as {"1.38": "v1.14.8"}',
    });
    await expect(loadKubernetesMap(dir)).rejects.toMatchObject({
      message: `--kubernetes-map ${dir}: cannot read it (a directory)`,
    });
  });
});
