/** `replay --severity` and `--outcome`: filters on the output only; storing, alerts and exit codes are unchanged. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, ROOT, runCli } from './run-cli';

const events = path.join(ROOT, 'events');
const order = ['info', 'low', 'medium', 'high', 'critical'];

describe('replay output filters', () => {
  it('--severity keeps exactly the records with a finding at or above it', async () => {
    const all = jsonLines((await runCli(['replay', events, '--format', 'json', '--store', 'memory'])).stdout);
    const run = await runCli(['replay', events, '--format', 'json', '--store', 'memory', '--severity', 'high']);
    expect(run.code).toBe(0);
    const kept = jsonLines(run.stdout);
    const expected = all.filter((l) => l.findings.some((f: { severity: string }) => order.indexOf(f.severity) >= order.indexOf('high')));
    expect(kept.length).toBeGreaterThan(3);
    expect(kept.length).toBeLessThan(all.length);
    expect(kept.map((l) => l.source)).toEqual(expected.map((l) => l.source));
    // An invalid input is filtered out of stdout but still named on stderr, and still exits 2.
    const bad = await runCli(['replay', path.join(ROOT, 'test/fixtures/inputs/not-json.json'), '--format', 'json', '--store', 'memory', '--severity', 'high']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/not-json\.json#0: not JSON/);
  });

  it('--outcome keeps the named outcomes, in every format, ignored ones included in text', async () => {
    const all = jsonLines((await runCli(['replay', events, '--format', 'json', '--store', 'memory'])).stdout);
    const run = await runCli(['replay', events, '--format', 'json', '--store', 'memory', '--outcome', 'compliant', 'failed-call']);
    const kept = jsonLines(run.stdout);
    expect(kept.map((l) => l.source)).toEqual(all.filter((l) => l.outcome === 'compliant' || l.outcome === 'failed-call').map((l) => l.source));
    expect(new Set(kept.map((l) => l.outcome))).toEqual(new Set(['compliant', 'failed-call']));
    const text = await runCli(['replay', events, '--store', 'memory', '--no-color', '--outcome', 'ignored']);
    const ignored = all.filter((l) => l.outcome === 'ignored');
    expect(ignored.length).toBeGreaterThan(0);
    expect(text.stdout.split('\n').filter((line) => line.startsWith('ignored'))).toHaveLength(ignored.length);
    expect(text.stdout.split('\n').filter((line) => /^(violation|compliant) /.test(line))).toHaveLength(0);
    const bad = await runCli(['replay', events, '--outcome', 'bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are violation, compliant, ignored, failed-call, invalid/);
  });
});
