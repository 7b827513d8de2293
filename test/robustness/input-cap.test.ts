/**
 * Inputs that would read without limit: a gzip bomb (generated here, small
 * enough for CI but over a lowered cap), a plain file over the cap, a FIFO
 * and /dev/zero (size 0 to stat). Each gives one invalid result naming the
 * file and the cap; the other inputs of the run are still read. Also:
 * concatenated gzip members are all read.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readAll, WHOLE_FILE_BYTES } from '../../lib/cloudtrail/read';

const SSH = readFileSync('events/authorize/ssh-open-to-world.json', 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'sgwatch-cap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const good = join(dir, 'good.json');
writeFileSync(good, SSH);

/** A gzip of `mib` MiB of zeros inside a JSON string, streamed so the test never holds it. */
async function bomb(name: string, mib: number): Promise<string> {
  const file = join(dir, name);
  const { createWriteStream } = await import('node:fs');
  const gz = createGzip({ level: 9 });
  const out = createWriteStream(file);
  gz.pipe(out);
  gz.write('{"Records":[{"eventName":"');
  const zeros = Buffer.alloc(MiB, 0x30);
  for (let i = 0; i < mib; i++) if (!gz.write(zeros)) await new Promise<void>((r) => gz.once('drain', () => r()));
  gz.end('"}]}');
  await new Promise<void>((r) => out.once('close', () => r()));
  return file;
}

const errors = (items: Awaited<ReturnType<typeof readAll>>) => items.filter((i) => 'error' in i).map((i) => ('error' in i ? i.error : ''));

describe('a cap on what one input may give', () => {
  it('a small gzip bomb (read whole) is one invalid result naming the file and the cap; the next file is read', async () => {
    const file = await bomb('bomb.json.gz', 64);
    expect(readFileSync(file).length).toBeLessThan(WHOLE_FILE_BYTES);
    const items = await readAll([file, good], { maxInputBytes: 8 * MiB });
    expect(errors(items)).toEqual([`${file}#0: cannot read: decompresses to more than 8 MiB (the cap on one input; --max-input-mib raises it): not read further`]);
    expect(items.filter((i) => 'record' in i)).toHaveLength(1);
  });

  it('a gzip bomb on stdin (streamed through gunzip) is capped the same way', async () => {
    const file = await bomb('stdin-bomb.json.gz', 24);
    const { createReadStream } = await import('node:fs');
    const items = await readAll(['-'], { maxInputBytes: 4 * MiB, stdin: createReadStream(file) });
    expect(errors(items)).toEqual([`-#0: cannot read: decompresses to more than 4 MiB (the cap on one input; --max-input-mib raises it): not read further`]);
  });

  it('stdin that never ends is capped', async () => {
    const { Readable } = await import('node:stream');
    const endless = Readable.from((function* () { for (;;) yield Buffer.alloc(64 * 1024, 0x20); })());
    const items = await readAll(['-'], { maxInputBytes: 2 * MiB, stdin: endless });
    expect(errors(items)).toEqual([`-#0: cannot read: holds more than 2 MiB (the cap on one input; --max-input-mib raises it): not read further`]);
  });

  it.runIf(existsSync('/dev/zero'))('/dev/zero (size 0 to stat) is streamed and capped, not read forever', async () => {
    const items = await readAll(['/dev/zero', good], { maxInputBytes: 2 * MiB });
    expect(errors(items)[0]).toMatch(/^\/dev\/zero#0: cannot read: holds more than 2 MiB/);
    expect(items.filter((i) => 'record' in i)).toHaveLength(1);
  });

  it.runIf(process.platform !== 'win32')('a FIFO is read as a stream', async () => {
    const fifo = join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    // The writer opens the FIFO in the threadpool and blocks until the reader opens it.
    const writer = writeFile(fifo, SSH);
    const items = await readAll([fifo]);
    await writer;
    expect(items).toHaveLength(1);
    expect('record' in items[0]).toBe(true);
  });
});

describe('concatenated gzip members', () => {
  it('reads every member (NDJSON split over two members)', async () => {
    const one = JSON.stringify(JSON.parse(SSH));
    const two = JSON.stringify({ ...JSON.parse(SSH), eventID: 'second-member' });
    const file = join(dir, 'two-members.ndjson.gz');
    writeFileSync(file, Buffer.concat([gzipSync(one + '\n'), gzipSync(two + '\n')]));
    const items = await readAll([file]);
    expect(items.map((i) => ('record' in i ? (i.record as { eventID: string }).eventID : i.error))).toEqual([JSON.parse(SSH).eventID, 'second-member']);
  });

  it('reads a log file whose last member is small: the size in its trailer is only that member\'s', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `id-${i}`);
    const body = ids.map((eventID) => JSON.stringify({ ...JSON.parse(SSH), eventID })).join(',');
    const file = join(dir, 'small-last-member.json.gz');
    // The trailer says 2 bytes; the file gives ~250 KB: inflated chunk by chunk, as any gzip whose claim is wrong.
    writeFileSync(file, Buffer.concat([gzipSync(`{"Records":[${body}`), gzipSync(']}')]));
    const items = await readAll([file]);
    expect(items.map((i) => ('record' in i ? (i.record as { eventID: string }).eventID : i.error))).toEqual(ids);
  });
});
