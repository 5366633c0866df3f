// Runs a command on a real pseudo-terminal (Python's pty module, Debian's python3), answering prompts
// as a person at the keyboard would: each time the screen shows `waitFor`, it types `send`. Returns
// everything the terminal showed, so tests can check what was echoed and what was not.
import { execa } from 'execa';

export interface PtyStep {
  waitFor: string;
  send: string;
}

const DRIVER = `
import json, os, pty, select, sys, time
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec["cwd"])
    os.execvpe(spec["argv"][0], spec["argv"], spec["env"])
screen = b""
pos = 0
steps = spec["steps"]
deadline = time.time() + spec["timeout"]
while time.time() < deadline:
    if steps:
        at = screen.find(steps[0]["waitFor"].encode(), pos)
        if at >= 0:
            pos = at + len(steps[0]["waitFor"])  # the next prompt must appear anew
            os.write(fd, steps.pop(0)["send"].encode())
    r, _, _ = select.select([fd], [], [], 0.1)
    if fd in r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        screen += data
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
`;

export async function runOnPty(
  argv: string[],
  steps: PtyStep[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<{ exitCode: number; screen: string }> {
  const spec = { argv, steps, cwd: opts.cwd, env: opts.env, timeout: (opts.timeoutMs ?? 60_000) / 1000 };
  const r = await execa('python3', ['-c', DRIVER, JSON.stringify(spec)], {
    reject: false,
    stripFinalNewline: false,
    timeout: (opts.timeoutMs ?? 60_000) + 10_000,
  });
  return { exitCode: r.exitCode ?? -1, screen: String(r.stdout) };
}
