// A module proxy on disk (GOPROXY=file:///dir) serving golang.org/toolchain modules of our own making:
// a GOROOT's bin/go and bin/gofmt (a real Go of this machine, e.g. Debian's 1.19), its VERSION and a
// pkg/tool with no tools, zipped as the Go project zips toolchains (no file modes). Enough for the go
// command's toolchain switch to unpack and run it for `go env GOROOT GOVERSION`; no compiler. With a
// file:// GOPROXY alone the go command does not ask the checksum database for this module (GOSUMDB=off
// covers its go.mod), so the tests run offline.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { strToU8, zipSync } from 'fflate';

export interface ToolchainModule {
  /** `v0.0.1-go1.19.8.linux-amd64` */
  version: string;
  /** the GOROOT whose bin/go it carries */
  goroot: string;
  /** what its VERSION file says, `go1.19.8` */
  goVersion: string;
}

/**
 * Writes the proxy folder: `golang.org/toolchain/@v/list` with `list` (names without a module behind
 * them too), and .info, .mod and .zip of each module. Returns the GOPROXY URL.
 */
export async function writeToolchainProxy(
  dir: string,
  modules: ToolchainModule[],
  list: string[],
): Promise<string> {
  const at = join(dir, 'golang.org', 'toolchain', '@v');
  await mkdir(at, { recursive: true });
  await writeFile(join(at, 'list'), `${list.join('\n')}\n`);
  for (const m of modules) {
    const prefix = `golang.org/toolchain@${m.version}/`;
    const zip = zipSync(
      {
        [`${prefix}bin/go`]: new Uint8Array(await readFile(join(m.goroot, 'bin', 'go'))),
        [`${prefix}bin/gofmt`]: new Uint8Array(await readFile(join(m.goroot, 'bin', 'gofmt'))),
        [`${prefix}VERSION`]: strToU8(`${m.goVersion}\n`),
        [`${prefix}pkg/tool/linux_amd64/README`]: strToU8('the tools of a vc-coredns test toolchain\n'),
      },
      { level: 1, mtime: new Date('2020-01-01T00:00:00Z') },
    );
    await writeFile(join(at, `${m.version}.zip`), zip);
    await writeFile(join(at, `${m.version}.info`), JSON.stringify({ Version: m.version }));
    await writeFile(join(at, `${m.version}.mod`), 'module golang.org/toolchain\n');
  }
  return pathToFileURL(dir).href;
}
