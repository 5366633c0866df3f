// --verbose: each make/go command as a shell line, told before it runs (real processes through the real runner).
import { describe, expect, it } from 'vitest';
import { execaRunner, tracedRunner, traceLine } from '../../src/compile/index.js';

describe('tracedRunner', () => {
  it('tells each command with the variables that decide the build, then runs it', async () => {
    const seen: string[] = [];
    const run = tracedRunner(execaRunner, (l) => seen.push(l));
    const r = await run('sh', ['-c', 'echo "$GOOS-$GOARCH"'], {
      cwd: '/tmp',
      env: { PATH: process.env.PATH ?? '', GOOS: 'linux', GOARCH: 'arm64', HOME: '/root', SECRET_TOKEN: 'x' },
    });
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe('linux-arm64\n');
    expect(seen).toEqual([
      'run: cd /tmp && env GOOS=linux GOARCH=arm64 sh -c "echo \\"\\$GOOS-\\$GOARCH\\""',
    ]);
  });

  it('shows no credentials of a proxy URL and only the variables it names', () => {
    const line = traceLine('make', ['coredns'], '/src', {
      GOPROXY: 'https://user:hunter2@proxy.example/go',
      GITHUB_TOKEN: 'ghs_abc',
      CGO_ENABLED: '0',
    });
    expect(line).toBe('run: cd /src && env CGO_ENABLED=0 GOPROXY=https://***@proxy.example/go make coredns');
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('ghs_abc');
  });
});
