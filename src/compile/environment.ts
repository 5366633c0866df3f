// The environment make and go run with is the tool's, not the caller's (issue 13 item 5): the caller's
// LDFLAGS, GOTAGS, STRIP_FLAGS (read by v1.14.1+ Makefiles with `?=`), GOFLAGS, CGO_ENABLED, GOAMD64,
// or a parent make's MAKEFLAGS carrying `CGO_ENABLED=1` would otherwise change the binaries. Only what
// says where things are and how to reach the network passes; `--build-env KEY=VALUE` adds a variable,
// and then it is part of the build key. Pure.
import { badInput } from '../errors.js';

/** The caller's variables that reach make and go: locations, the module proxy's settings, proxies, CAs. */
export const INHERITED: readonly string[] = [
  'PATH',
  'HOME',
  'TMPDIR',
  // where Go keeps things, and how it reaches and trusts module sources
  'GOPATH',
  'GOCACHE',
  'GOMODCACHE',
  'GOPROXY',
  'GOSUMDB',
  'GONOSUMDB',
  'GONOPROXY',
  'GOPRIVATE',
  'GOINSECURE',
  'GOAUTH',
  'GOVCS',
  // network proxies and CA bundles (for the module proxy, and git for `direct` modules)
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
];

/** Never passed, not even by --build-env: make reads them as its own command line and level. */
const MAKE_OWN = new Set(['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'MAKEFILES', 'GNUMAKEFLAGS']);

/** Set by the tool for every build (commands.ts): --build-env may not change them. */
const TOOL_OWN = new Set([
  'CGO_ENABLED',
  'GOTOOLCHAIN',
  'GOROOT',
  'GOOS',
  'GOARCH',
  'SOURCE_DATE_EPOCH',
  'GOENV',
  'GOTMPDIR',
]);

/** The caller's variables of INHERITED that are set, plus --build-env's. */
export function inheritedEnv(
  caller: Record<string, string | undefined>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED) {
    const v = caller[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...extra };
}

/** `--build-env KEY=VALUE` (repeatable) -> variables; exit 2 for a malformed or reserved one. */
export function parseBuildEnv(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw badInput(
        `--build-env ${JSON.stringify(item)} is not KEY=VALUE`,
        'BAD_FLAG',
        'e.g. --build-env GOAMD64=v3',
      );
    }
    if (MAKE_OWN.has(key) || TOOL_OWN.has(key)) {
      throw badInput(
        `--build-env ${key} is set by vc-coredns itself`,
        'BAD_FLAG',
        `vc-coredns sets ${[...TOOL_OWN].join(', ')} for every build and never passes ${[...MAKE_OWN].join(', ')}`,
      );
    }
    out[key] = item.slice(eq + 1);
  }
  return out;
}
