/**
 * The text output fits the terminal (COLUMNS here, the terminal's own width
 * on a TTY) and names the source of every listed record; pipes and files get
 * whole lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, ROOT, runCli } from './run-cli';

const events = path.join('events');

/** Every sg-/sgr-/pl- id in the text, and whether each is whole (8 or 17 hex digits, not cut by `…`). */
function idsAreWhole(text: string): boolean {
  const ids = text.match(/\b(?:sg|sgr|pl)-[0-9a-f]*…?/g) ?? [];
  // A whole id may be followed by `…` (the words after it left out); a cut one has fewer digits.
  return ids.length > 0 && ids.every((id) => /^(?:sg|sgr|pl)-(?:[0-9a-f]{8}|[0-9a-f]{17})…?$/.test(id));
}

describe('replay text at a terminal width', () => {
  it('at 80 columns: no line is longer, no id is split, and every listed record names its file#index', async () => {
    const json = jsonLines((await runCli(['replay', events, '--format', 'json', '--store', 'memory'], { cwd: ROOT })).stdout);
    const listed = json.filter((l) => l.outcome !== 'ignored');
    const run = await runCli(['replay', events, '--store', 'memory'], { cwd: ROOT, env: { COLUMNS: '80' } });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => [...l].length > 80)).toEqual([]);
    expect(idsAreWhole(run.stdout)).toBe(true);
    // Each record's file (whole, or its folders shortened to …/) and index, once, in order.
    const sources = lines.map((l) => /(?:^|\s)(\S+#\d+)(?:\s|$)/.exec(l)?.[1]).filter((s): s is string => s !== undefined);
    expect(sources).toHaveLength(listed.length);
    sources.forEach((s, i) => expect(listed[i].source.endsWith(s.replace(/^…\//, '/')) || listed[i].source === s).toBe(true));
    // What matters most is on the first line of a record: severity, group and the rule at fault.
    expect(run.stdout).toMatch(/^CRITICAL {5}sg-0a1b2c3d4e5f60001 {2}tcp\/22 (?:\(SSH\) )?from 0\.0\.0\.0\/0\b/m);
    expect(run.stdout).toMatch(/^ {13}→ would revoke sgr-0a1b2c3d4e5f60011$/m);
  });

  it('at 60 columns the same holds, but for a file name longer than the room, which is kept whole on its own line', async () => {
    const run = await runCli(['replay', events, '--store', 'memory'], { cwd: ROOT, env: { COLUMNS: '60' } });
    const over = run.stdout.split('\n').filter((l) => [...l].length > 60);
    expect(over.length).toBeGreaterThan(0);
    for (const line of over) expect(line).toMatch(/^ {13}…\/[\w.-]+#\d+$/);
    expect(idsAreWhole(run.stdout)).toBe(true);
  });

  it('with no width (a pipe, a file), one whole line per record, ending with its source', async () => {
    const run = await runCli(['replay', path.join(events, 'authorize', 'ssh-open-to-world.json'), '--store', 'memory'], { cwd: ROOT });
    const [first] = run.stdout.split('\n');
    expect(first).toMatch(/^CRITICAL .*sg-0a1b2c3d4e5f60001 .*tcp\/22 \(SSH\) from 0\.0\.0\.0\/0 \[public-admin-port\] \+1 more {2}→ would revoke sgr-0a1b2c3d4e5f60011 {2}events\/authorize\/ssh-open-to-world\.json#0$/);
  });

  it('an invalid input wraps its message under the label at the width, words whole', async () => {
    const run = await runCli(['replay', '-', '--store', 'memory'], { cwd: ROOT, input: '{"Records": [{"eventName": "AuthorizeSecurityGroupIngress", "eventSource": "ec2.amazonaws.com"}]}', env: { COLUMNS: '50' } });
    expect(run.code).toBe(2);
    const lines = run.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('invalid'));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at]).toMatch(/^invalid {5}-#0: /);
    expect(lines.filter((l) => [...l].length > 50)).toEqual([]);
  });
});

describe('history and findings at a terminal width', () => {
  it('narrower than the table: one block per record, lines within the width, ids whole; wide enough: the table', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-width-'));
    try {
      expect((await runCli(['replay', path.join(ROOT, 'events')], { cwd: work })).code).toBe(0);
      for (const args of [['findings'], ['history', 'sg-0a1b2c3d4e5f60001']]) {
        const narrow = await runCli(args, { cwd: work, env: { COLUMNS: '80' } });
        expect(narrow.code).toBe(0);
        expect(narrow.stdout).not.toContain('│');
        expect(narrow.stdout.split('\n').filter((l) => [...l].length > 80)).toEqual([]);
        expect(idsAreWhole(narrow.stdout)).toBe(true);
        const wide = await runCli(args, { cwd: work, env: { COLUMNS: '250' } });
        expect(wide.stdout).toContain('│ time (UTC)');
      }
      const narrow = await runCli(['history', 'sg-0a1b2c3d4e5f60001'], { cwd: work, env: { COLUMNS: '80' } });
      expect(narrow.stdout).toMatch(/^CRITICAL {5}2025-03-04 10:01:13\n {2}alice via console from 198\.51\.100\.24\n {2}AuthorizeSecurityGroupIngress\n/m);
      expect(narrow.stdout).toMatch(/^ {2}policy rule public-admin-port\n {2}→ would-revoke sgr-0a1b2c3d4e5f60011$/m);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
