// A tiny static Go program standing in for CoreDNS in the image tests: it prints a greeting, or, given
// `-listen ADDR`, binds UDP and TCP on ADDR (e.g. :53) and exits 0, so a test can show that the image's
// file capability lets uid 65532 bind port 53.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Platform } from '../../src/types.js';
import { goEnv } from '../support/go-harness.js';

export const TINY_MAIN = `// Command tiny stands in for coredns in vc-coredns's image tests.
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-listen" {
		udp, err := net.ListenPacket("udp", os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen udp:", err)
			os.Exit(1)
		}
		tcp, err := net.Listen("tcp", os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen tcp:", err)
			os.Exit(1)
		}
		fmt.Printf("listening on %s udp+tcp as uid %d\\n", os.Args[2], os.Getuid())
		udp.Close()
		tcp.Close()
		return
	}
	fmt.Printf("hello from tiny coredns %s/%s uid=%d\\n", runtime.GOOS, runtime.GOARCH, os.Getuid())
}
`;

/** Builds the program for a linux platform in dir (reproducible: -trimpath, no VCS stamp, no cgo). */
export async function buildTiny(dir: string, platform: Platform): Promise<Uint8Array> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'main.go'), TINY_MAIN);
  const out = join(dir, `tiny-${platform.arch}`);
  await execa(
    'go',
    ['build', '-trimpath', '-buildvcs=false', '-ldflags=-s -w -buildid=', '-o', out, 'main.go'],
    {
      cwd: dir,
      env: goEnv({ GOOS: platform.os, GOARCH: platform.arch, GOFLAGS: '' }),
    },
  );
  return new Uint8Array(await readFile(out));
}

export const AMD64: Platform = { os: 'linux', arch: 'amd64' };
export const ARM64: Platform = { os: 'linux', arch: 'arm64' };
