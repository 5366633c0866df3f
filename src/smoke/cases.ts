// The smoke scenario as data (pure): the Services, Endpoints and EndpointSlices the fake API serves,
// and the DNS questions with what a patched and an unpatched CoreDNS answer. Cases a-h of the smoke
// issue; an era without dual-stack (before v1.8.1) gets b and c as single-stack Services.
import type { KubeObject, ResourceName } from './fake-api.js';

export type QuestionType = 'A' | 'AAAA' | 'PTR';
export type Transport = 'udp' | 'tcp';

/** A DNS reply reduced to what the cases compare: the rcode and the sorted answer data. */
export interface DnsAnswer {
  rcode: string;
  data: string[];
}

export interface SmokeCase {
  name: string;
  question: string;
  type: QuestionType;
  transport: Transport;
  want: DnsAnswer;
  /** what a CoreDNS without the patch answers (equal to want where the patch does not matter) */
  unpatched: DnsAnswer;
}

export interface Scenario {
  cases: SmokeCase[];
  objects: Record<ResourceName, KubeObject[]>;
}

export const ZONE = 'cluster.local';
export const NAMESPACE = 'vc-smoke';
/** The key that case f carries instead of the one in use. */
export const OTHER_KEY = 'example.com/clusterIP';

const answer = (...data: string[]): DnsAnswer => ({ rcode: 'NOERROR', data: [...data].sort() });
const NXDOMAIN: DnsAnswer = { rcode: 'NXDOMAIN', data: [] };

/** `10.96.0.99` -> `99.0.96.10.in-addr.arpa` */
export function reverseName(ipv4: string): string {
  return `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;
}

export function serviceName(name: string): string {
  return `${name}.${NAMESPACE}.svc.${ZONE}`;
}

/** How a case's answer is shown: `10.0.0.5`, `NOERROR, no answer`, `NXDOMAIN`. */
export function formatAnswer(a: DnsAnswer | null): string {
  if (a === null) return 'no reply';
  if (a.rcode !== 'NOERROR') return a.rcode;
  return a.data.length === 0 ? 'NOERROR, no answer' : a.data.join(' ');
}

interface ServiceSpec {
  name: string;
  /** IPv4 first; a second IPv6 address only in dual-stack eras */
  ips: string[];
  annotations?: Record<string, string>;
}

function service(s: ServiceSpec, dualStack: boolean): KubeObject {
  const ips = dualStack ? s.ips : s.ips.slice(0, 1);
  const spec: Record<string, unknown> = {
    type: 'ClusterIP',
    clusterIP: ips[0],
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
    sessionAffinity: 'None',
  };
  if (dualStack) {
    spec.clusterIPs = ips;
    if (ips[0] !== 'None') {
      spec.ipFamilies = ips.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4'));
      spec.ipFamilyPolicy = ips.length > 1 ? 'RequireDualStack' : 'SingleStack';
    }
  }
  return {
    metadata: {
      name: s.name,
      namespace: NAMESPACE,
      ...(s.annotations ? { annotations: s.annotations } : {}),
    },
    spec,
    status: { loadBalancer: {} },
  };
}

function namespace(name: string): KubeObject {
  return { metadata: { name }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

const HEADLESS_IPS = ['10.1.0.1', '10.1.0.2'];

export interface ScenarioOptions {
  /** the annotation key in use */
  key: string;
  /** false for CoreDNS before v1.8.1: Services carry only `clusterIP` */
  dualStack: boolean;
}

export function smokeScenario({ key, dualStack }: ScenarioOptions): Scenario {
  const other = key === OTHER_KEY ? 'example.org/clusterIP' : OTHER_KEY;
  const services = [
    service({ name: 'single', ips: ['10.0.0.5'], annotations: { [key]: '10.96.0.99' } }, dualStack),
    service({ name: 'dual', ips: ['10.0.0.6', 'fd00::6'], annotations: { [key]: '10.96.0.98' } }, dualStack),
    service({ name: 'plain', ips: ['10.0.0.7', 'fd00::7'] }, dualStack),
    service({ name: 'empty', ips: ['10.0.0.8', 'fd00::8'], annotations: { [key]: '' } }, dualStack),
    service({ name: 'headless', ips: ['None'] }, dualStack),
    service({ name: 'other-key', ips: ['10.0.0.10'], annotations: { [other]: '10.96.0.97' } }, dualStack),
  ];
  const ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
  const endpoints: KubeObject = {
    metadata: { name: 'headless', namespace: NAMESPACE },
    subsets: [{ addresses: HEADLESS_IPS.map((ip) => ({ ip })), ports }],
  };
  const slice: KubeObject = {
    metadata: {
      name: 'headless-x7k2p',
      namespace: NAMESPACE,
      labels: { 'kubernetes.io/service-name': 'headless', 'endpointslice.kubernetes.io/managed-by': 'smoke' },
    },
    addressType: 'IPv4',
    endpoints: HEADLESS_IPS.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports,
  };

  const v6 = (ip: string) => (dualStack ? [ip] : []);
  const c = (
    name: string,
    question: string,
    type: QuestionType,
    want: DnsAnswer,
    unpatched: DnsAnswer = want,
    transport: Transport = 'udp',
  ): SmokeCase => ({ name, question, type, transport, want, unpatched });
  const cases: SmokeCase[] = [
    c('a annotation', serviceName('single'), 'A', answer('10.96.0.99'), answer('10.0.0.5')),
    c('b dual-stack', serviceName('dual'), 'A', answer('10.96.0.98'), answer('10.0.0.6')),
    c('b dual-stack', serviceName('dual'), 'AAAA', answer(), answer(...v6('fd00::6'))),
    c('c no annotation', serviceName('plain'), 'A', answer('10.0.0.7')),
    c('c no annotation', serviceName('plain'), 'AAAA', answer(...v6('fd00::7'))),
    c('d empty annotation', serviceName('empty'), 'A', answer('10.0.0.8')),
    c('d empty annotation', serviceName('empty'), 'AAAA', answer(...v6('fd00::8'))),
    c('e headless', serviceName('headless'), 'A', answer(...HEADLESS_IPS)),
    c('f other key', serviceName('other-key'), 'A', answer('10.0.0.10')),
    c('g reverse', reverseName('10.96.0.99'), 'PTR', answer(serviceName('single')), NXDOMAIN),
    c('h unknown name', serviceName('missing'), 'A', NXDOMAIN),
    c('a over tcp', serviceName('single'), 'A', answer('10.96.0.99'), answer('10.0.0.5'), 'tcp'),
  ];
  return {
    cases,
    objects: {
      namespaces: ['default', 'kube-system', NAMESPACE].map(namespace),
      services,
      endpoints: [endpoints],
      endpointslices: [slice],
      pods: [],
    },
  };
}

/** The question the runner asks until CoreDNS answers it: the API is synced and DNS is served. */
export function readinessCase(scenario: Scenario): SmokeCase {
  const found = scenario.cases.find((k) => k.question === serviceName('plain') && k.type === 'A');
  if (!found) throw new Error('the scenario has no readiness question');
  return found;
}
