/** The exit-code table (bin/cli.ts EXIT_CODES_HELP, README "Exit codes"), end to end through bin/sgwatch.js. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-exit-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const SSH = path.join(ROOT, 'events', 'authorize', 'ssh-open-to-world.json');

describe('sgwatch exit codes', () => {
  it.each(['--version', '-V'])('%s prints the version and exits 0', async (flag) => {
    const run = await runCli([flag]);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('--help lists the exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Exit codes:\n {2}0 {3}all good\n {2}1 {3}a finding reached --fail-on/);
  });

  it('a failed step (3) is not hidden by an invalid input (2), and stderr names both', async () => {
    const bad = path.join(work, 'not-json.json');
    fs.writeFileSync(bad, '{ nope');
    // Nothing listens on port 9 of 127.0.0.1: every Slack post fails.
    const run = await runCli(['replay', SSH, bad, '--store', 'memory', '--slack-webhook', 'http://127.0.0.1:9/hook', '--slack-max-failures', '1', '--no-progress'], { cwd: work });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/1 record\(s\) had a failed alert or remediation step \(exit 3\); 1 input record\(s\) were invalid \(exit 2\): exit 3/);
  });

  it('invalid input alone is 2, and --fail-on alone is 1', async () => {
    const bad = path.join(work, 'bad2.json');
    fs.writeFileSync(bad, '[1');
    expect((await runCli(['replay', bad, '--store', 'memory', '--fail-on', 'high'], { cwd: work })).code).toBe(2);
    expect((await runCli(['replay', SSH, '--store', 'memory', '--fail-on', 'high'], { cwd: work })).code).toBe(1);
  });

  it.each([['--quiet'], ['--format', 'ocsf']])('with %s an invalid input is named once on stderr (file#index, then what is wrong)', async (...flags) => {
    const bad = path.join(work, 'bad3.json');
    fs.writeFileSync(bad, '{"Records":[{"eventName":"AuthorizeSecurityGroupIngress"}]}');
    const run = await runCli(['replay', bad, '--store', 'memory', ...flags], { cwd: work });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`sgwatch: ${bad}#0: not a CloudTrail record: eventSource is missing\n`);
  });

  it('--fail-on says why on stderr: how many records, by worst severity', async () => {
    const run = await runCli(['replay', path.join(ROOT, 'events'), '--store', 'memory', '--fail-on', 'high', '--format', 'json'], { cwd: work });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^sgwatch: --fail-on high: (\d+) records at or above high \((\d+) critical, (\d+) high\)$/m);
    const [, n, c, h] = /--fail-on high: (\d+) records at or above high \((\d+) critical, (\d+) high\)/.exec(run.stderr)!;
    expect(Number(c) + Number(h)).toBe(Number(n));
    // Each record counted once, by its worst finding: the JSON lines agree.
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const reached = lines.filter((l) => (l.findings ?? []).some((f: { severity: string }) => f.severity === 'high' || f.severity === 'critical'));
    expect(reached).toHaveLength(Number(n));
  });

  it('a missing path is an error about the path on stderr (exit 2), not a record on stdout; the other paths are read', async () => {
    const run = await runCli(['replay', 'nope/', SSH, '--store', 'memory', '--format', 'json'], { cwd: work });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^sgwatch: nope\/: no such file or directory$/m);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.source)).toEqual([`${SSH}#0`]);
  });

  it.each([['findings'], ['history', 'sg-0123456789abcdef0'], ['policy', 'show']])('read-only %s never creates .sgwatch/', async (...args) => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-ro-'));
    try {
      const run = await runCli(args, { cwd: empty });
      if (args[0] !== 'policy') {
        expect(run.code).toBe(2);
        expect(run.stderr).toBe(`sgwatch: no store in ${fs.realpathSync(empty)}: sgwatch replay creates one (.sgwatch/); run the query where you replayed, or name that folder with --state-dir\n`);
      }
      expect(fs.existsSync(path.join(empty, '.sgwatch'))).toBe(false);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('--quiet prints the summary only; -qq prints nothing, and the exit code still says it', async () => {
    const events = path.join(ROOT, 'events');
    const full = await runCli(['replay', events, '--store', 'memory'], { cwd: work });
    const q = await runCli(['replay', events, '--store', 'memory', '-q'], { cwd: work });
    expect(q.code).toBe(0);
    expect(q.stdout).not.toMatch(/#\d+/); // no record line names its source
    expect(q.stdout).toMatch(/^49 events: violation \d+/);
    expect(full.stdout).toContain(q.stdout.split('\n')[0]);
    const qq = await runCli(['replay', events, '--store', 'memory', '-qq', '--fail-on', 'high'], { cwd: work });
    expect(qq).toMatchObject({ code: 1, stdout: '', stderr: '' });
    const json = await runCli(['replay', events, '--store', 'memory', '--quiet', '--format', 'json'], { cwd: work });
    expect(json.stdout).toBe('');
  });
});
