import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../support/cli.js';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
};

async function manifest(args: string[]): Promise<Obj[]> {
  const r = await runCli(['manifest', ...args]);
  expect(r.exitCode, r.stderr).toBe(0);
  const docs = parseAllDocuments(r.stdout);
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS() as Obj).filter(Boolean);
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is checked field by field below
const byKind = (objs: Obj[], kind: string) => objs.find((o) => o.kind === kind) as Obj & Record<string, any>;

describe('vc-coredns manifest', () => {
  it('gives every object a tenant CoreDNS needs, parsed back from the YAML', async () => {
    const objs = await manifest(['--image', 'ghcr.io/acme/coredns:v1.12.0']);
    expect(objs.map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'Service',
    ]);
    const role = byKind(objs, 'ClusterRole');
    expect(role.rules).toContainEqual({
      apiGroups: [''],
      resources: ['endpoints', 'services', 'pods', 'namespaces'],
      verbs: ['list', 'watch'],
    });
    expect(role.rules).toContainEqual({
      apiGroups: ['discovery.k8s.io'],
      resources: ['endpointslices'],
      verbs: ['list', 'watch'],
    });
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['nodes'], verbs: ['get'] });

    const binding = byKind(objs, 'ClusterRoleBinding');
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }]);

    const deploy = byKind(objs, 'Deployment');
    const pod = deploy.spec.template.spec;
    expect(pod.serviceAccountName).toBe('coredns');
    const [c] = pod.containers;
    expect(c.image).toBe('ghcr.io/acme/coredns:v1.12.0');
    expect(c.securityContext.capabilities.add).toEqual(['NET_BIND_SERVICE']);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/health', port: 8080 });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 8181 });
    expect(deploy.spec.selector.matchLabels).toEqual(deploy.spec.template.metadata.labels);

    const cm = byKind(objs, 'ConfigMap');
    expect(pod.volumes[0].configMap.name).toBe(cm.metadata.name);
    expect(cm.data.Corefile).toContain('kubernetes cluster.local in-addr.arpa ip6.arpa');
    expect(cm.data.Corefile).toContain('    ready\n');

    const svc = byKind(objs, 'Service');
    expect(svc.metadata).toMatchObject({ name: 'kube-dns', namespace: 'kube-system' });
    expect(svc.spec.selector).toEqual(deploy.spec.template.metadata.labels);
    expect(svc.spec.ports).toEqual([
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, protocol: 'TCP' },
    ]);
    expect(svc.spec.clusterIP).toBeUndefined();
  });

  it('adapts to CoreDNS before v1.5.0 (no ready plugin) and takes the flags', async () => {
    const objs = await manifest([
      '--image',
      `127.0.0.1:5000/coredns:v1.4.0@sha256:${'a'.repeat(64)}`,
      '--replicas',
      '1',
      '--cluster-domain',
      'tenant.local',
      '--cluster-ip',
      '10.32.0.10',
    ]);
    const cm = byKind(objs, 'ConfigMap');
    expect(cm.data.Corefile).not.toContain('ready');
    expect(cm.data.Corefile).toContain('kubernetes tenant.local in-addr.arpa');
    const deploy = byKind(objs, 'Deployment');
    expect(deploy.spec.replicas).toBe(1);
    expect(deploy.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/health');
    expect(byKind(objs, 'Service').spec.clusterIP).toBe('10.32.0.10');
  });

  it('refuses bad input with exit 2', async () => {
    expect((await runCli(['manifest'])).exitCode).toBe(2);
    const r = await runCli(['manifest', '--image', 'x:v1', '--replicas', 'zero']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('error: --replicas must be a whole number of 1 or more\n');
    expect(r.stdout).toBe('');
    expect((await runCli(['manifest', '--image', 'x:v1', '--cluster-domain', 'Bad_Domain'])).exitCode).toBe(
      2,
    );
  });
});
