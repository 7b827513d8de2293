/**
 * Delivery canaries: recognised, recorded per (account, region) and never
 * alerted; `sgwatch status` names the pairs that went silent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalise } from '../../lib/cloudtrail/normalise';
import { isCanary, silentPairs } from '../../lib/org/canary';
import type { Change } from '../../lib/model';
import { jsonLines, runCli } from '../cli/run-cli';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'org', 'canaries.json');
const records = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { Records: Array<Record<string, any>> }).Records;
const changeOf = (r: unknown): Change => {
  const n = normalise(r);
  if (n.status !== 'change') throw new Error(`not a change: ${n.status}`);
  return n.change;
};

describe('recognising the canary', () => {
  it("the member stack's call is a canary; the same description on another rule, or a failed call, is not", () => {
    expect(records.slice(0, 3).map((r) => isCanary(changeOf(r)))).toEqual([true, true, true]);
    expect(isCanary(changeOf(records[3]))).toBe(false); // tcp/22 from 0.0.0.0/0 with a canary description
    const failed = { ...records[0], errorCode: 'Client.UnauthorizedOperation', errorMessage: 'denied', responseElements: null };
    expect(isCanary(changeOf(failed))).toBe(false);
    const other = structuredClone(records[0]);
    other.requestParameters.ipPermissions.items[0].ipRanges.items[0].description = 'bastion';
    expect(isCanary(changeOf(other))).toBe(false);
  });

  it('a pair is silent when its newest canary is older than the limit', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const beats = [
      { account: '1', region: 'a', at: '2026-12-07T11:00:00Z', eventId: 'x' },
      { account: '2', region: 'b', at: '2026-12-07T09:59:00Z', eventId: 'y' },
    ];
    expect(silentPairs(beats, now, 2 * 3_600_000).map((b) => b.account)).toEqual(['2']);
  });
});

describe('sgwatch replay, then sgwatch status (embedded store)', () => {
  it('canaries are recorded and never alerted; status lists each pair and exits 1 naming the silent one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-canary-'));
    try {
      const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
      const recent = { ...records[1], eventTime: ago(20 * 60_000) };
      const old = { ...records[2], eventTime: ago(5 * 3_600_000) };
      const file = path.join(dir, 'trail.json');
      fs.writeFileSync(file, JSON.stringify({ Records: [records[0], recent, old, records[3]] }));
      const replay = await runCli(['replay', file, '--format', 'json'], { cwd: dir });
      expect(replay.code).toBe(0);
      const lines = jsonLines(replay.stdout);
      expect(lines.slice(0, 3).map((l) => l.pipeline.alert)).toEqual(Array(3).fill({ send: false, why: 'sgwatch delivery canary: recorded as the heartbeat of its account and region, never alerted' }));
      expect(lines[3].pipeline.alert.why).not.toMatch(/canary/);

      const status = await runCli(['status', '--period', '1h'], { cwd: dir });
      expect(status.code).toBe(1);
      expect(status.stderr).toBe('sgwatch: 1 account/region pair silent for more than 2 × 1h: 444455556666/us-east-1\n');
      const [a, b] = status.stdout.split('\n');
      expect(a).toMatch(/^111122223333 {2}eu-west-1 +\S+ +20m ago$/);
      expect(b).toMatch(/^444455556666 {2}us-east-1 +\S+ +5h ago {2}SILENT: no events since /);

      const json = jsonLines((await runCli(['status', '--period', '6h', '--format', 'json'], { cwd: dir })).stdout);
      expect(json.map((j) => [j.account, j.region, j.silent])).toEqual([
        ['111122223333', 'eu-west-1', false],
        ['444455556666', 'us-east-1', false],
      ]);
      expect((await runCli(['status', '--period', 'hourly'], { cwd: dir })).stderr).toContain('--period: expected');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a store with no canary says so, exit 0', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-canary-none-'));
    try {
      await runCli(['replay', path.join(__dirname, '..', '..', 'events', 'authorize', 'ssh-open-to-world.json')], { cwd: dir });
      const status = await runCli(['status'], { cwd: dir });
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/^no delivery canary in .* yet/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
