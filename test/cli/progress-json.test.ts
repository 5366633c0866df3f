// `--progress auto|tty|plain|json`: the json reporter's events (DESIGN.md's fields), which reporter each
// mode picks, and a run's final error as a JSON event. (A real build with --progress json:
// test/cli/ci-output.test.ts.)
import { describe, expect, it } from 'vitest';
import { eventLine, jsonReporter } from '../../src/cli/json-progress.js';
import { progressJsonInArgv, progressKind } from '../../src/cli/progress-mode.js';
import { recordingIo, runCli } from '../support/cli.js';

const FIELDS = ['time', 'event', 'version', 'stage', 'platform', 'state', 'message'];

const io = recordingIo;

describe('jsonReporter', () => {
  it('writes one JSON object per line with the fields that apply, in the contract order', () => {
    const out = io();
    const r = jsonReporter(out, { now: () => new Date('2026-11-29T12:00:00Z') });
    r.info('resolving against https://bot:t0ken@example.com/coredns.git');
    r.stage('v1.9.3', 'build', 'linux/amd64');
    r.platform('v1.9.3', 'linux/amd64', 'start');
    r.platform('v1.9.3', 'linux/amd64', 'failed', 'make exited with code 2');
    r.warn('dropped v1.4.0');
    r.finish('v1.9.3', 'failed', 'building failed');
    r.close();
    const lines = out.lines();
    expect(lines[0]).toBe(
      '{"time":"2026-11-29T12:00:00.000Z","event":"info","message":"resolving against https://***@example.com/coredns.git"}',
    );
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        time: '2026-11-29T12:00:00.000Z',
        event: 'info',
        message: 'resolving against https://***@example.com/coredns.git',
      },
      {
        time: '2026-11-29T12:00:00.000Z',
        event: 'stage',
        version: 'v1.9.3',
        stage: 'build',
        message: 'linux/amd64',
      },
      {
        time: '2026-11-29T12:00:00.000Z',
        event: 'platform',
        version: 'v1.9.3',
        platform: 'linux/amd64',
        state: 'start',
      },
      {
        time: '2026-11-29T12:00:00.000Z',
        event: 'platform',
        version: 'v1.9.3',
        platform: 'linux/amd64',
        state: 'failed',
        message: 'make exited with code 2',
      },
      { time: '2026-11-29T12:00:00.000Z', event: 'warn', message: 'dropped v1.4.0' },
      {
        time: '2026-11-29T12:00:00.000Z',
        event: 'result',
        version: 'v1.9.3',
        state: 'failed',
        message: 'building failed',
      },
    ]);
    for (const l of lines) for (const k of Object.keys(JSON.parse(l))) expect(FIELDS).toContain(k);
  });

  it('keeps warnings and results only with --quiet', () => {
    const out = io();
    const r = jsonReporter(out, { quiet: true });
    r.info('x');
    r.stage('v1.9.3', 'checkout');
    r.platform('v1.9.3', 'linux/amd64', 'start');
    r.warn('w');
    r.finish('v1.9.3', 'skipped');
    expect(out.lines().map((l) => JSON.parse(l).event)).toEqual(['warn', 'result']);
  });

  it('keeps a message with line breaks on one line', () => {
    const line = eventLine({ time: 't', event: 'warn', message: 'a\nb' });
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(line).message).toBe('a\nb');
  });
});

describe('progress modes', () => {
  it('auto is a task list on a terminal only outside CI, without --json, --quiet or --dry-run', () => {
    expect(progressKind('auto', io({}, true))).toBe('tty');
    expect(progressKind('auto', io({ CI: 'true' }, true))).toBe('plain');
    expect(progressKind('auto', io({}, false))).toBe('plain');
    expect(progressKind('auto', io({}, true), { json: true })).toBe('plain');
    expect(progressKind('auto', io({}, true), { quiet: true })).toBe('plain');
    expect(progressKind('auto', io({}, true), { dryRun: true })).toBe('plain');
    expect(progressKind('json', io({}, true))).toBe('json');
    expect(progressKind('tty', io({ CI: 'true' }, false))).toBe('tty');
    expect(progressKind('plain', io({}, true))).toBe('plain');
  });

  it('finds --progress json on a command line in both spellings', () => {
    expect(progressJsonInArgv(['build', '--progress', 'json'])).toBe(true);
    expect(progressJsonInArgv(['build', '--progress=json'])).toBe(true);
    expect(progressJsonInArgv(['build', '--progress', 'plain', 'json'])).toBe(false);
    expect(progressJsonInArgv(['build', '--json'])).toBe(false);
  });

  it('refuses an unknown mode before anything runs (exit 2)', async () => {
    const r = await runCli(['build', '--version', 'v1.9.3', '--progress', 'fancy']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('error: --progress must be one of auto, tty, plain, json, not "fancy"\n');
  });

  it('with --progress json a run that ends in an error says so as a result event: every line is JSON', async () => {
    const r = await runCli(
      ['build', '--progress', 'json', '--repo', '/nonexistent/coredns', '--version', 'v1.9.3'],
      {
        env: { GITHUB_ACTIONS: 'true' },
      },
    );
    expect(r.exitCode).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const e = JSON.parse(lines[0] as string);
    expect(e).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      event: 'result',
      state: 'failed',
      message: expect.stringMatching(/^error: repository \/nonexistent\/coredns does not exist\nhint: /),
    });
  });
});
