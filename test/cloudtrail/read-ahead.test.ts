/**
 * The replay reads the next file on another thread (lib/cloudtrail/read-ahead.ts, the bundled
 * dist/read-worker.js) while the current one is judged. Nothing but speed may depend on it:
 * the same items, errors included, with the thread, without it, and when the thread fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../../lib/cloudtrail/read';
import { ReadAhead } from '../../lib/cloudtrail/read-ahead';

// Built by test/global-setup.ts (scripts/build-cli.js), as `npm ci` builds it for the CLI.
const WORKER = join(__dirname, '..', '..', 'dist', 'read-worker.js');
const record = (i: number) => ({ eventVersion: '1.08', eventID: `id-${i}`, eventName: i % 2 ? 'RunInstances' : 'AuthorizeSecurityGroupIngress', eventSource: 'ec2.amazonaws.com' });

let dir: string;
let broken: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sgwatch-read-ahead-'));
  for (let f = 0; f < 6; f++) {
    const log = JSON.stringify({ Records: Array.from({ length: 50 }, (_, i) => record(f * 100 + i)) });
    writeFileSync(join(dir, `log-${f}.json${f % 2 ? '.gz' : ''}`), f % 2 ? gzipSync(log) : log);
  }
  writeFileSync(join(dir, 'log-6-list.json'), JSON.stringify([record(700), record(701)])); // not a log file: read whole
  writeFileSync(join(dir, 'log-7-corrupt.json.gz'), Buffer.concat([gzipSync('{"Records":[]}').subarray(0, 12), Buffer.from('not gzip')]));
  writeFileSync(join(dir, 'log-8-bad-record.json'), '{"Records":[{"eventName":"A"},{"eventName":nope},{"eventName":"C"}]}');
  writeFileSync(join(dir, 'log-9-big.json'), JSON.stringify({ Records: [record(900)] }));
  broken = join(dir, 'broken-worker.js');
  writeFileSync(broken, "throw new Error('this read-ahead thread fails as it starts');");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('read-ahead thread', () => {
  it('gives the same items as reading in-process, errors included, and when the thread fails', async () => {
    const opts = { maxInputBytes: 10_000, wholeFileBytes: 3_000 }; // log-9-big is streamed; the cap is passed on
    const here = await readAll([dir], { ...opts, readAhead: false });
    expect(here.length).toBe(6 * 50 + 2 + 1 + 3 + 1);
    expect(here.filter((i) => 'error' in i).map((i) => (i as { error: string }).error.slice(dir.length + 1))).toEqual([
      expect.stringMatching(/^log-7-corrupt\.json\.gz#0: cannot read: corrupt gzip data/),
      expect.stringMatching(/^log-8-bad-record\.json#1: Records\[1\]: not JSON/),
    ]);
    expect(await readAll([dir], { ...opts, readAhead: WORKER })).toEqual(here);
    expect(await readAll([dir], { ...opts, readAhead: broken })).toEqual(here);
  });

  it('prepares a requested file on the thread: its bytes moved back, its records found', async () => {
    const ahead = new ReadAhead({ cap: 1 << 20, wholeFileBytes: 1 << 20, workerFile: WORKER });
    try {
      const file = join(dir, 'log-1.json.gz');
      ahead.request(file);
      const pending = ahead.take(file);
      expect(pending).toBeInstanceOf(Promise); // answered by the thread, not read here
      const p = await pending;
      expect(p.kind).toBe('whole');
      if (p.kind !== 'whole') return;
      expect(Buffer.isBuffer(p.plain)).toBe(true);
      expect(p.bounds).toHaveLength(100);
      expect(JSON.parse(p.plain.toString('utf8', p.bounds![0], p.bounds![1]))).toEqual(record(100));
      // A file not asked for ahead is read here, at once.
      expect(ahead.take(join(dir, 'log-0.json'))).toMatchObject({ kind: 'whole' });
      // A missing file is the error the reader reports (its code kept).
      ahead.request(join(dir, 'gone.json'));
      expect(await ahead.take(join(dir, 'gone.json'))).toMatchObject({ kind: 'error', code: 'ENOENT' });
    } finally {
      ahead.close();
    }
  });
});
