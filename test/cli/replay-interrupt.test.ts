/**
 * Long replays stopped half-way, against the embedded store (the default):
 * - Ctrl-C (SIGINT): exit 130, the store is consistent, and the same command
 *   goes on without a duplicate;
 * - kill -9 while an alert is being posted to a local HTTP server standing in
 *   for Slack: the re-run stores one record per eventID and, counted on the
 *   server, exactly one post per alerted record (the post in flight when the
 *   process died is marked unknown and never re-sent).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, jsonLines, ROOT, runCli } from './run-cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate } = require(path.join(ROOT, 'bench', 'generate.cjs')) as { generate: (dir: string, count: number, perFile?: number, o?: { sgShare?: number; gzip?: boolean }) => void };

let work: string;
let input: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-interrupt-'));
  input = path.join(work, 'trail');
  generate(input, 6000, 500, { sgShare: 0.3 });
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const isChange = (l: Record<string, any>) => l.outcome !== 'ignored' && l.outcome !== 'invalid';

/** Starts the CLI; sends `signal` once `until(stdoutSoFar)` holds, or when `kill()` is called. */
function runAndSignal(args: string[], cwd: string, signal: NodeJS.Signals, until: (out: string) => boolean = () => false) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let sent = false;
  const kill = () => {
    if (!sent) {
      sent = true;
      child.kill(signal);
    }
  };
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (until(stdout)) kill();
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr }));
  });
  return { done, kill };
}

describe('an interrupted replay on the embedded store', () => {
  it('Ctrl-C stops cleanly with exit 130, and the same command goes on without a duplicate', async () => {
    const cwd = fs.mkdtempSync(path.join(work, 'sigint-'));
    const args = ['replay', input, '--format', 'json'];
    const first = await runAndSignal(args, cwd, 'SIGINT', (out) => out.split('\n').length > 1500).done;
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/interrupted \(SIGINT\) after \d+ record\(s\).*run the same command again to go on/);
    const before = jsonLines(first.stdout).filter(isChange);
    expect(before.length).toBeGreaterThan(100);
    expect(before.every((l) => l.pipeline.record === 'stored')).toBe(true);
    const total = jsonLines(first.stdout).length;
    expect(total).toBeLessThan(6000);

    const second = await runCli(args, { cwd });
    expect(second.code).toBe(0);
    const after = jsonLines(second.stdout);
    expect(after).toHaveLength(6000);
    const changes = after.filter(isChange);
    const stored = new Set(changes.filter((l) => l.pipeline.record === 'stored').map((l) => l.eventId));
    const duplicate = new Set(changes.filter((l) => l.pipeline.record === 'duplicate').map((l) => l.eventId));
    // What the first run stored is exactly what the second finds already there; the rest it stores now.
    expect(duplicate).toEqual(new Set(before.map((l) => l.eventId)));
    expect([...stored].some((id) => duplicate.has(id))).toBe(false);
    expect(stored.size + duplicate.size).toBe(new Set(changes.map((l) => l.eventId)).size);
  });

  describe('kill -9 while an alert is in flight', () => {
    let server: http.Server;
    let webhook: string;
    const posted: string[] = [];
    let killAt = Infinity;
    let onKill: (() => void) | undefined;
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          const id = /Event id `([^`]+)`/.exec(body)?.[1] ?? 'no-id';
          posted.push(id);
          if (posted.length === killAt) {
            // Received, not answered: the process dies with this post's outcome unknown to it.
            onKill?.();
            setTimeout(() => res.destroy(), 200);
            return;
          }
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret`;
    });
    afterAll(() => new Promise((r) => server.close(r)));

    it('the re-run stores one record per eventID and Slack gets exactly one post per alerted record', async () => {
      const cwd = fs.mkdtempSync(path.join(work, 'kill-'));
      const args = ['replay', input, '--format', 'json', '--slack-webhook', webhook];
      killAt = 40;
      const run = runAndSignal(args, cwd, 'SIGKILL');
      onKill = run.kill;
      const first = await run.done;
      expect(first.signal).toBe('SIGKILL');
      expect(posted).toHaveLength(40);
      killAt = Infinity;

      const second = await runCli(args, { cwd });
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(/an earlier run stopped while sending 1 alert\(s\).*not re-sent/);
      const lines = jsonLines(second.stdout);
      expect(lines).toHaveLength(6000);
      const changes = lines.filter(isChange);
      const ids = changes.map((l) => l.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      // Alerted records: posted by this run, by the killed one, or in flight when it died.
      const alerted = changes.filter((l) => ['done', 'already-done', 'unknown'].includes(l.pipeline.steps.notifySlack));
      expect(alerted.length).toBeGreaterThan(40);
      expect(changes.filter((l) => l.pipeline.steps.notifySlack === 'unknown')).toHaveLength(1);
      expect(posted).toHaveLength(alerted.length);
      expect(new Set(posted)).toEqual(new Set(alerted.map((l) => l.eventId)));

      // A third run adds nothing and posts nothing.
      const third = await runCli(args, { cwd });
      expect(third.code).toBe(0);
      expect(jsonLines(third.stdout).filter(isChange).every((l) => l.pipeline.record === 'duplicate')).toBe(true);
      expect(posted).toHaveLength(alerted.length);
    });
  });
});
