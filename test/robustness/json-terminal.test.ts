/**
 * JSON output cannot disguise the line it is printed on: C1 controls and bidi
 * characters from a record (a rule description here) are written as \u
 * escapes, which any JSON reader decodes to the same text.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../cli/run-cli';
import { escapeJsonForTerminal } from '../../bin/output/writer';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-bidi-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('JSON output and terminal-unsafe characters', () => {
  it('escapes C1, bidi and separators inside strings and changes no value', () => {
    const value = { d: 'ok \u202eevil\u202c \u0085 \u061c \u2066x\u2069 \u2028 é ✓' };
    const line = escapeJsonForTerminal(JSON.stringify(value));
    expect(line).not.toMatch(/[\u0080-\u009f\u061c\u2028\u202a-\u202e\u2066-\u2069]/);
    expect(line).toContain('\\u202e');
    expect(line).toContain('é ✓');
    expect(JSON.parse(line)).toEqual(value);
  });

  it('replay --format json writes a spoofing description escaped, and it reads back the same', async () => {
    const record = JSON.parse(fs.readFileSync(path.join(ROOT, 'events/authorize/ssh-open-to-world.json'), 'utf8'));
    const description = 'office \u202e22 trop\u202c \u0085end';
    record.requestParameters.ipPermissions.items[0].ipRanges.items[0].description = description;
    const file = path.join(work, 'bidi.json');
    fs.writeFileSync(file, JSON.stringify(record));
    const run = await runCli(['replay', file, '--format', 'json', '--store', 'memory']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
    expect(run.stdout).toContain('\\u202e');
    // Decoded, the description is exactly what the record held.
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(JSON.parse(run.stdout));
    expect(strings).toContain(description);
    expect(JSON.parse(run.stdout).eventId).toBe(record.eventID);
  });
});
