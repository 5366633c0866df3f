// cosign, the independent verifier of the signing tests: a pinned release installed with `go install`
// through the Go module proxy (the ordinary way to get a Go tool; cosign is not in Debian), cached per
// version under the user's cache folder. Run with a private HOME, no transparency log, plain http.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * The newest cosign release that builds with the Gos here (v3.1.3 asks for Go 1.26.0). cosign 3 attaches
 * signatures as sigstore bundles (OCI 1.1 referrers) by default; `--new-bundle-format=false` gives the
 * `.sig` tags of cosign 2 and before. The tests use both.
 */
export const COSIGN_VERSION = 'v3.1.3';
export const COSIGN_PACKAGE = 'github.com/sigstore/cosign/v3/cmd/cosign';
/** The toolchain that builds it: the go command switches to it (the proxy serves toolchains too). */
export const COSIGN_GO_TOOLCHAIN = 'go1.26.8';

function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vc-coredns-test');
}

/** Where the pinned cosign lives once installed. */
export function cosignPath(): string {
  return join(cacheRoot(), `cosign-${COSIGN_VERSION}`, 'cosign');
}

function goCommand(): string {
  // /usr/local/go is this machine kind's newest Go; Debian's go-1.23 switches toolchains just as well.
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

/** Installs the pinned cosign unless it is there already; returns its path. */
export async function ensureCosign(log: (line: string) => void = () => {}): Promise<string> {
  const target = cosignPath();
  if (existsSync(target)) return target;
  const dir = join(cacheRoot(), `cosign-${COSIGN_VERSION}`);
  await mkdir(dir, { recursive: true });
  const gobin = await mkdtemp(join(dir, '.install-'));
  log(`installing cosign ${COSIGN_VERSION} with go install (once per machine; a few minutes)`);
  try {
    await execa('nice', ['-n', '10', goCommand(), 'install', `${COSIGN_PACKAGE}@${COSIGN_VERSION}`], {
      env: {
        GOBIN: gobin,
        GOTOOLCHAIN: COSIGN_GO_TOOLCHAIN,
        GOFLAGS: '-trimpath',
        CGO_ENABLED: '0',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 40 * 60_000,
    });
    await rename(join(gobin, 'cosign'), target);
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
  return target;
}

export interface CosignResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs cosign with a throw-away HOME (its TUF cache and config), COSIGN_PASSWORD when given, and
 * nothing inherited that could reach the public sigstore services.
 */
export async function cosign(
  args: string[],
  opts: { password?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<CosignResult> {
  const home = join(tmpdir(), `vc-cosign-home-${randomBytes(6).toString('hex')}`);
  await mkdir(home, { recursive: true });
  try {
    const r = await execa(cosignPath(), args, {
      cwd: opts.cwd,
      reject: false,
      extendEnv: false,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        TUF_ROOT: join(home, 'tuf'),
        DOCKER_CONFIG: join(home, 'docker'),
        ...(opts.password === undefined ? {} : { COSIGN_PASSWORD: opts.password }),
        ...opts.env,
      },
      timeout: 5 * 60_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
