// The real Go module proxy, for the tests that fetch Go toolchains from it: GOPROXY as go sees it (the
// variable, else Go's default) and whether its golang.org/toolchain list answers. Where it does not,
// the test says so visibly and skips, except that `.ci/run` sets VC_COREDNS_REQUIRE_PROXY=1, which
// turns that skip into a failure.
import { execa } from 'execa';
import { firstProxyUrl, listToolchainVersions } from '../../src/compile/go-listings.js';

const GO_123 = '/usr/lib/go-1.23/bin/go';

export interface RealProxy {
  /** the GOPROXY list to give go (`https://...,direct`) */
  goproxy: string;
  /** its first proxy URL, null when it names none */
  url: string | null;
  /** the toolchain versions it lists for this machine, oldest first; null when it did not answer */
  toolchains: string[] | null;
}

/** Asks the module proxy once; `what` names the tests that skip without it. */
export async function realModuleProxy(what: string): Promise<RealProxy> {
  const { stdout } = await execa(GO_123, ['env', 'GOPROXY'], { env: { ...process.env, GOENV: 'off' } });
  const goproxy = process.env.GOPROXY ?? stdout.trim();
  const url = firstProxyUrl(goproxy);
  const toolchains = url ? await listToolchainVersions(url).catch(() => null) : null;
  if (toolchains === null) {
    const why = `the Go module proxy (${url ?? 'GOPROXY names none'}) is not reachable`;
    if (process.env.VC_COREDNS_REQUIRE_PROXY === '1') {
      throw new Error(`${why}, and VC_COREDNS_REQUIRE_PROXY=1 requires it`);
    }
    console.warn(`SKIPPED: ${what}: ${why}`);
  }
  return { goproxy, url, toolchains };
}
