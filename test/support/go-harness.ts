// A tiny Go module laid out like CoreDNS, so that one `plugin/kubernetes/object/service.go` (upstream's,
// a fixture's, or a patched one) can be compiled and run without any module download: k8s.io/api and
// k8s.io/apimachinery are replaced by small stubs of our own. All Go text here is written for vc-coredns.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { execa } from 'execa';

/** The annotation the VirtualCluster syncer writes; the harness binary reads it by default. */
export const ANNOTATION_KEY = 'transparency.tenancy.x-k8s.io/clusterIP';

/**
 * How the conversion function is called, by era (ERAS.md section 1):
 * - `v1.2`: `ToService(obj interface{}) interface{}` (v1.2.3 - v1.6.4)
 * - `v1.6.5`: `ToService(skipCleanup bool) ToFunc`, ToFunc returning `interface{}` (v1.6.5 - v1.6.9)
 * - `v1.7`: the same factory, ToFunc returning `(interface{}, error)` (v1.7.0 - v1.8.0)
 * - `dual-stack`: `ToService(obj meta.Object) (meta.Object, error)` with `ClusterIPs` (v1.8.1 on)
 */
export type Signature = 'v1.2' | 'v1.6.5' | 'v1.7' | 'dual-stack';

export const SIGNATURES: readonly Signature[] = ['v1.2', 'v1.6.5', 'v1.7', 'dual-stack'];

export interface HarnessOptions {
  /** The text of plugin/kubernetes/object/service.go. */
  serviceGo: string;
  signature: Signature;
  /** The go.mod `go` line without `go `, e.g. `1.12` or `1.22.7`. */
  goLine: string;
  /** The CoreDNS version the binary reports, with or without the leading `v`. */
  version: string;
}

type Triple = [number, number, number];

function parseVersion(tag: string): Triple {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag.trim());
  if (!m) throw new Error(`not a version: ${JSON.stringify(tag)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The call signature of a CoreDNS tag's conversion function; null before v1.2.3 (no service.go). */
export function signatureForTag(tag: string): Signature | null {
  const v = parseVersion(tag);
  if (compare(v, [1, 2, 3]) < 0) return null;
  if (compare(v, [1, 6, 5]) < 0) return 'v1.2';
  if (compare(v, [1, 7, 0]) < 0) return 'v1.6.5';
  if (compare(v, [1, 8, 1]) < 0) return 'v1.7';
  return 'dual-stack';
}

/** Environment for every Go command of the tests: offline, no cgo, one shared build cache. */
export function goEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    GOSUMDB: 'off',
    CGO_ENABLED: '0',
    GOCACHE: sharedGoCache(),
    ...extra,
  };
}

/** One build cache for all test builds (a fresh cache costs seconds per build). */
export function sharedGoCache(): string {
  return join(tmpdir(), 'vc-coredns-test-gocache');
}

/**
 * One module cache for the tests that fetch from the real module proxy: a Go toolchain module is
 * ~100 MB, downloaded once per machine. Toolchains in it count as installed Gos, so a test that
 * expects "the newest installed patch" of some line uses an empty cache of its own instead.
 */
export function sharedModCache(): string {
  return join(tmpdir(), 'vc-coredns-test-gomodcache');
}

const apiGoMod = `module k8s.io/api

go 1.12
`;

const apimachineryGoMod = `module k8s.io/apimachinery

go 1.12
`;

// Only what CoreDNS's service.go and the harness main touch, in any era from v1.2.3 on.
const apiCoreV1 = `// Package v1 is a vc-coredns test stub for k8s.io/api/core/v1. It declares the
// Service type with just the fields that CoreDNS's service conversion reads.
package v1

// ServiceType says how a Service is exposed.
type ServiceType string

// The Service types.
const (
	ServiceTypeClusterIP    ServiceType = "ClusterIP"
	ServiceTypeNodePort     ServiceType = "NodePort"
	ServiceTypeLoadBalancer ServiceType = "LoadBalancer"
	ServiceTypeExternalName ServiceType = "ExternalName"
)

// ClusterIPNone is the cluster IP of a headless Service.
const ClusterIPNone = "None"

// ObjectMeta is the metadata shared by all objects.
type ObjectMeta struct {
	Name            string
	Namespace       string
	ResourceVersion string
	Annotations     map[string]string
}

// GetName returns the object's name.
func (m *ObjectMeta) GetName() string { return m.Name }

// GetNamespace returns the object's namespace.
func (m *ObjectMeta) GetNamespace() string { return m.Namespace }

// GetResourceVersion returns the object's resource version.
func (m *ObjectMeta) GetResourceVersion() string { return m.ResourceVersion }

// GetAnnotations returns the object's annotations.
func (m *ObjectMeta) GetAnnotations() map[string]string { return m.Annotations }

// Service is a named abstraction of a set of endpoints.
type Service struct {
	ObjectMeta

	Spec   ServiceSpec
	Status ServiceStatus
}

// ServiceSpec is what the user asked for.
type ServiceSpec struct {
	ClusterIP    string
	ClusterIPs   []string
	Type         ServiceType
	ExternalName string
	Ports        []ServicePort
	ExternalIPs  []string
}

// ServiceStatus is what the cluster made of it.
type ServiceStatus struct {
	LoadBalancer LoadBalancerStatus
}

// LoadBalancerStatus lists the load balancer's addresses.
type LoadBalancerStatus struct {
	Ingress []LoadBalancerIngress
}

// LoadBalancerIngress is one load balancer address.
type LoadBalancerIngress struct {
	IP       string
	Hostname string
}

// ServicePort is one port a Service exposes.
type ServicePort struct {
	Name        string
	Protocol    string
	Port        int32
	AppProtocol *string
}

// DeepCopyInto copies the port into out, sharing no pointers.
func (in *ServicePort) DeepCopyInto(out *ServicePort) {
	*out = *in
	if in.AppProtocol != nil {
		p := *in.AppProtocol
		out.AppProtocol = &p
	}
}
`;

const apimachineryMetaV1 = `// Package v1 is a vc-coredns test stub for k8s.io/apimachinery/pkg/apis/meta/v1.
package v1

// Object is the part of an object's metadata that the harness needs.
type Object interface {
	GetName() string
	GetNamespace() string
	GetResourceVersion() string
}
`;

const apimachineryRuntime = `// Package runtime is a vc-coredns test stub for k8s.io/apimachinery/pkg/runtime.
package runtime

// Object is anything that can copy itself.
type Object interface {
	DeepCopyObject() Object
}
`;

const toFuncByEra: Record<Signature, { imports: string[]; decl: string }> = {
  'v1.2': { imports: [], decl: 'type ToFunc func(interface{}) interface{}' },
  'v1.6.5': { imports: [], decl: 'type ToFunc func(interface{}) interface{}' },
  'v1.7': { imports: [], decl: 'type ToFunc func(interface{}) (interface{}, error)' },
  'dual-stack': {
    imports: ['meta "k8s.io/apimachinery/pkg/apis/meta/v1"'],
    decl: 'type ToFunc func(meta.Object) (meta.Object, error)',
  },
};

/** The sibling of service.go: the two names service.go takes from CoreDNS's object.go. */
function harnessTypesGo(serviceGo: string, signature: Signature): string | null {
  const parts: string[] = [];
  let imports: string[] = [];
  if (!/^type\s+Empty\b/m.test(serviceGo)) {
    parts.push(
      '// Empty stands in for the type that, in CoreDNS, fills in the rest of the Kubernetes\n' +
        '// object interfaces. The harness stubs need none of them.\ntype Empty struct{}\n',
    );
  }
  if (!/^type\s+ToFunc\b/m.test(serviceGo)) {
    const era = toFuncByEra[signature];
    imports = era.imports;
    parts.push(`// ToFunc converts an informer's object into this package's own type.\n${era.decl}\n`);
  }
  if (parts.length === 0) return null;
  let head = '// Written by the vc-coredns test harness: what service.go needs from its sibling files.\n';
  head += 'package object\n\n';
  if (imports.length === 1) head += `import ${imports[0]}\n\n`;
  return head + parts.join('\n');
}

const convertByEra: Record<Signature, string> = {
  'v1.2': `func convert(svc *api.Service) ([]string, error) {
	s, ok := object.ToService(svc).(*object.Service)
	if !ok {
		return nil, fmt.Errorf("ToService did not return an *object.Service")
	}
	return []string{s.ClusterIP}, nil
}
`,
  'v1.6.5': `func convert(svc *api.Service) ([]string, error) {
	s, ok := object.ToService(false)(svc).(*object.Service)
	if !ok {
		return nil, fmt.Errorf("ToService did not return an *object.Service")
	}
	return []string{s.ClusterIP}, nil
}
`,
  'v1.7': `func convert(svc *api.Service) ([]string, error) {
	obj, err := object.ToService(false)(svc)
	if err != nil {
		return nil, err
	}
	s, ok := obj.(*object.Service)
	if !ok {
		return nil, fmt.Errorf("ToService did not return an *object.Service")
	}
	return []string{s.ClusterIP}, nil
}
`,
  'dual-stack': `func convert(svc *api.Service) ([]string, error) {
	obj, err := object.ToService(svc)
	if err != nil {
		return nil, err
	}
	s, ok := obj.(*object.Service)
	if !ok {
		return nil, fmt.Errorf("ToService did not return an *object.Service")
	}
	return s.ClusterIPs, nil
}
`,
};

/**
 * coredns.go of the harness: `-version`, `-resolve` to run the era's conversion on one Service, and
 * `-plugins` and `-conf COREFILE [-dns.port P]` for the DNS mode of dnsmode.go.
 */
export function mainGo(signature: Signature): string {
  return `// Command coredns is the vc-coredns test harness: it runs the Service conversion of
// plugin/kubernetes/object the way the kubernetes plugin's informer does.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/coredns/coredns/coremain"
	"github.com/coredns/coredns/plugin/kubernetes/object"

	api "k8s.io/api/core/v1"
)

const usage = "usage: coredns -version | -plugins | -conf COREFILE [-dns.port PORT] | [-annotation-key KEY] -resolve ANNOTATION|- IP[,IP2]"

func main() {
	version := flag.Bool("version", false, "print the version and exit")
	resolve := flag.Bool("resolve", false, "convert a Service and print the cluster IPs it answers with")
	key := flag.String("annotation-key", "${ANNOTATION_KEY}", "the annotation that carries the super cluster IP")
	plugins := flag.Bool("plugins", false, "list the plugins and exit")
	conf := flag.String("conf", "", "serve DNS as the Corefile's kubernetes block says (the DNS mode)")
	port := flag.String("dns.port", "53", "the port of server blocks that name none")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, usage) }
	flag.Parse()

	switch {
	case *version:
		fmt.Printf("%s-%s\\n", coremain.CoreName, coremain.CoreVersion)
		fmt.Printf("%s/%s, %s, %s\\n", runtime.GOOS, runtime.GOARCH, runtime.Version(), coremain.GitCommit)
	case *plugins:
		fmt.Print(pluginList)
	case *conf != "":
		if err := runDNS(*conf, *port); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
	case *resolve && flag.NArg() == 2:
		ips, err := convert(newService(*key, flag.Arg(0), strings.Split(flag.Arg(1), ",")))
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		fmt.Println(strings.Join(ips, ","))
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}

// newService builds the Service an informer would hand over. The annotation "-" means
// the Service has no such annotation at all.
func newService(key, annotation string, ips []string) *api.Service {
	svc := &api.Service{}
	svc.Name = "web"
	svc.Namespace = "default"
	svc.ResourceVersion = "1"
	if annotation != "-" {
		svc.Annotations = map[string]string{key: annotation}
	}
	svc.Spec.Type = api.ServiceTypeClusterIP
	svc.Spec.ClusterIP = ips[0]
	svc.Spec.ClusterIPs = ips
	svc.Spec.Ports = []api.ServicePort{{Name: "http", Protocol: "TCP", Port: 80}}
	return svc
}

${convertByEra[signature]}`;
}

let dnsMode: string | undefined;

/**
 * dnsmode.go (test/support/go/dnsmode.go): the fixture's CoreDNS stand-in that serves DNS from a fake
 * Kubernetes API through the era's conversion (what `vc-coredns smoke` tests). Standard library only,
 * Go 1.12 language and API, so every tag builds it offline with Go 1.19 up.
 */
export function dnsModeGo(): string {
  dnsMode ??= readFileSync(new URL('./go/dnsmode.go', import.meta.url), 'utf8');
  return dnsMode;
}

/** coremain/version.go: the version constants and the commit the Makefile stamps in. */
export function versionGo(version: string): string {
  const bare = version.replace(/^v/, '');
  return `// Package coremain holds the version of this CoreDNS look-alike.
package coremain

// The version this tree reports.
const (
	CoreName    = "CoreDNS"
	CoreVersion = "${bare}"
)

// GitCommit is set at link time: -X github.com/coredns/coredns/coremain.GitCommit=...
var GitCommit string
`;
}

/** The harness's go.mod; `goLine` as in `go 1.12`. */
export function goMod(goLine: string): string {
  const line = goLine.replace(/^go\s+/, '').trim();
  return `module github.com/coredns/coredns

go ${line}

require (
	k8s.io/api v0.0.0
	k8s.io/apimachinery v0.0.0
)

replace (
	k8s.io/api => ./stubs/api
	k8s.io/apimachinery => ./stubs/apimachinery
)
`;
}

/** The stub modules, by path relative to the module root. */
export function stubFiles(): Record<string, string> {
  return {
    'stubs/api/go.mod': apiGoMod,
    'stubs/api/core/v1/types.go': apiCoreV1,
    'stubs/apimachinery/go.mod': apimachineryGoMod,
    'stubs/apimachinery/pkg/apis/meta/v1/meta.go': apimachineryMetaV1,
    'stubs/apimachinery/pkg/runtime/object.go': apimachineryRuntime,
  };
}

/** Every file of the harness, by path relative to its root (pure; writeGoHarness writes them). */
export function harnessFiles(opts: HarnessOptions): Record<string, string> {
  const files: Record<string, string> = {
    'go.mod': goMod(opts.goLine),
    'coredns.go': mainGo(opts.signature),
    'dnsmode.go': dnsModeGo(),
    'coremain/version.go': versionGo(opts.version),
    'plugin/kubernetes/object/service.go': opts.serviceGo,
    ...stubFiles(),
  };
  const sibling = harnessTypesGo(opts.serviceGo, opts.signature);
  if (sibling !== null) files['plugin/kubernetes/object/harness_types.go'] = sibling;
  return files;
}

/** Writes the files under dir (creating folders; existing files are overwritten). */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { mode: 0o644 });
  }
}

export async function writeGoHarness(dir: string, opts: HarnessOptions): Promise<void> {
  await writeFiles(dir, harnessFiles(opts));
}

/** `go build -o outBinary .` in dir; rejects with the compiler's output when it fails. */
export async function buildHarness(
  dir: string,
  outBinary: string,
  env: Record<string, string> = {},
): Promise<void> {
  const result = await execa('go', ['build', '-o', resolvePath(outBinary), '.'], {
    cwd: dir,
    env: goEnv(env),
    all: true,
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new Error(`go build in ${dir} failed (exit ${result.exitCode}):\n${result.all ?? ''}`);
  }
}

/**
 * Runs `binary [-annotation-key key] -resolve ANNOTATION IPS` and returns the cluster IPs it printed.
 * `annotation` null means the Service has no annotation; '' means it is there but empty.
 */
export async function resolve(
  binary: string,
  annotation: string | null,
  ips: string[],
  key?: string,
): Promise<string[]> {
  const args: string[] = [];
  if (key !== undefined) args.push('-annotation-key', key);
  args.push('-resolve');
  const value = annotation ?? '-';
  // `--` keeps an annotation value that starts with '-' from being read as a flag.
  if (value.length > 1 && value.startsWith('-')) args.push('--');
  args.push(value, ips.join(','));
  const { stdout } = await execa(binary, args);
  return stdout.trim().split(',');
}
