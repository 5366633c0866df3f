import { isIP } from 'node:net';
import { stringify } from 'yaml';
import { badInput } from '../errors.js';

export interface ManifestOptions {
  /** the patched CoreDNS image, e.g. ghcr.io/acme/coredns:v1.9.3 */
  image: string;
  replicas: number;
  clusterDomain: string;
  /** the tenant cluster IP of kube-dns; null lets the tenant control plane allocate one */
  clusterIP: string | null;
  /** CoreDNS version from the image tag, when it has one: older releases lack the `ready` plugin */
  version: string | null;
}

const NAME = 'coredns';
const NAMESPACE = 'kube-system';
const LABELS = { 'k8s-app': 'kube-dns' };

/** The version in an image reference's tag (`...:v1.9.3` or `...:v1.9.3-vc1`), or null. */
export function versionFromImage(image: string): string | null {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  if (colon === -1) return null;
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(withoutDigest.slice(colon + 1));
  return m ? `v${m[1]}.${m[2]}.${m[3]}` : null;
}

function hasReadyPlugin(version: string | null): boolean {
  if (version === null) return true;
  const [major = 0, minor = 0] = version.slice(1).split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 5);
}

export function corefile(clusterDomain: string, ready: boolean): string {
  return [
    '.:53 {',
    '    errors',
    '    health {',
    '        lameduck 5s',
    '    }',
    ...(ready ? ['    ready'] : []),
    `    kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {`,
    '        pods insecure',
    '        fallthrough in-addr.arpa ip6.arpa',
    '        ttl 30',
    '    }',
    '    prometheus :9153',
    '    forward . /etc/resolv.conf',
    '    cache 30',
    '    loop',
    '    reload',
    '    loadbalance',
    '}',
    '',
  ].join('\n');
}

/** Kubernetes' int32 fields (replicas) go no higher. */
const INT32_MAX = 2 ** 31 - 1;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Checks the values as the API server would, so that kubectl apply never refuses the YAML (exit 2). */
export function checkManifestOptions(opts: ManifestOptions): void {
  const domain = opts.clusterDomain;
  if (domain.length > 253 || !domain.split('.').every((l) => DNS_LABEL.test(l))) {
    throw badInput(
      `--cluster-domain ${JSON.stringify(domain.slice(0, 60))} is not a DNS domain`,
      'BAD_FLAG',
      'lowercase labels of letters, digits and -, joined by dots, e.g. cluster.local',
    );
  }
  if (!Number.isSafeInteger(opts.replicas) || opts.replicas < 1 || opts.replicas > INT32_MAX) {
    throw badInput(`--replicas must be a whole number from 1 to ${INT32_MAX}`, 'BAD_FLAG');
  }
  const ip = opts.clusterIP;
  if (ip !== null && isIP(ip) === 0) {
    throw badInput(
      `--cluster-ip ${JSON.stringify(ip.slice(0, 60))} is not an IP address`,
      'BAD_FLAG',
      "an IPv4 or IPv6 address from the tenant cluster's service range, e.g. 10.32.0.10 or fd00:10:96::a",
    );
  }
}

/** The Kubernetes objects a tenant cluster needs to run the patched CoreDNS as kube-system/kube-dns. */
export function tenantObjects(opts: ManifestOptions): Record<string, unknown>[] {
  checkManifestOptions(opts);
  const ready = hasReadyPlugin(opts.version);
  const meta = (extra: Record<string, unknown> = {}) => ({ name: NAME, namespace: NAMESPACE, ...extra });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        {
          apiGroups: [''],
          resources: ['endpoints', 'services', 'pods', 'namespaces'],
          verbs: ['list', 'watch'],
        },
        // CoreDNS v1.8.1 and later watch EndpointSlices; the old sample manifest lacked this rule.
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(),
      data: { Corefile: corefile(opts.clusterDomain, ready) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta({ labels: LABELS }),
      spec: {
        replicas: opts.replicas,
        selector: { matchLabels: LABELS },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            serviceAccountName: NAME,
            priorityClassName: 'system-cluster-critical',
            tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            dnsPolicy: 'Default',
            containers: [
              {
                name: 'coredns',
                image: opts.image,
                imagePullPolicy: 'IfNotPresent',
                args: ['-conf', '/etc/coredns/Corefile'],
                resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
                volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                  { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  // Nonroot images (CoreDNS v1.11.0 and later) bind :53 through this capability.
                  capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
                  readOnlyRootFilesystem: true,
                },
                livenessProbe: {
                  httpGet: { path: '/health', port: 8080, scheme: 'HTTP' },
                  initialDelaySeconds: 60,
                  timeoutSeconds: 5,
                  successThreshold: 1,
                  failureThreshold: 5,
                },
                readinessProbe: ready
                  ? { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' } }
                  : { httpGet: { path: '/health', port: 8080, scheme: 'HTTP' } },
              },
            ],
            volumes: [
              {
                name: 'config-volume',
                configMap: { name: NAME, items: [{ key: 'Corefile', path: 'Corefile' }] },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      // Tenant Pods' dnsConfig points at this Service's super-cluster IP: it must be kube-system/kube-dns.
      metadata: {
        name: 'kube-dns',
        namespace: NAMESPACE,
        labels: { ...LABELS, 'kubernetes.io/name': 'CoreDNS' },
        annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
      },
      spec: {
        selector: LABELS,
        ...(opts.clusterIP ? { clusterIP: opts.clusterIP } : {}),
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'metrics', port: 9153, protocol: 'TCP' },
        ],
      },
    },
  ];
}

export function tenantManifest(opts: ManifestOptions): string {
  const header = `# Patched CoreDNS for a VirtualCluster tenant, made by vc-coredns.\n# Apply with: kubectl --kubeconfig TENANT.kubeconfig apply -f -\n`;
  return (
    header +
    tenantObjects(opts)
      // no anchors and aliases (&a1 / *a1) for objects used twice: kubectl users read it
      .map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`)
      .join('')
  );
}
