/** `--since`/`--until` on local files: files of a folder skipped by their CloudTrail name, records by eventTime. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, ROOT, runCli } from './run-cli';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-window-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const SSH = JSON.parse(fs.readFileSync(path.join(ROOT, 'events/authorize/ssh-open-to-world.json'), 'utf8'));

describe('replay --since/--until on local files', () => {
  it('skips folder files delivered before --since without opening them, and records outside the window', async () => {
    const dir = path.join(work, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11');
    fs.mkdirSync(path.join(dir, '01'), { recursive: true });
    fs.mkdirSync(path.join(dir, '05'), { recursive: true });
    // Not JSON: reading it would be an invalid input (exit 2). It must not be read.
    fs.writeFileSync(path.join(dir, '01', '111122223333_CloudTrail_us-east-1_20261101T1200Z_a.json'), 'not json');
    fs.writeFileSync(
      path.join(dir, '05', '111122223333_CloudTrail_us-east-1_20261105T1200Z_b.json'),
      JSON.stringify({ Records: [{ ...SSH, eventID: 'in', eventTime: '2026-11-05T11:00:00Z' }, { ...SSH, eventID: 'before', eventTime: '2026-11-03T23:00:00Z' }] }),
    );
    const run = await runCli(['replay', path.join(work, 'AWSLogs'), '--since', '2026-11-04', '--format', 'json', '--store', 'memory'], { cwd: work });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).map((l) => l.eventId)).toEqual(['in']);
  });

  it('an explicitly named file is read whatever its name; its records are still kept by eventTime', async () => {
    const text = await runCli(['replay', path.join(ROOT, 'events/authorize/ssh-open-to-world.json'), '--until', '2020-01-01', '--store', 'memory', '--no-color'], { cwd: work });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('1 record(s) outside --since/--until left out');
    const bad = await runCli(['replay', 'events', '--since', 'last tuesday'], { cwd: work });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since: expected a duration like 7d, 12h, 30m, 2w or an ISO date, got "last tuesday"/);
  });
});
