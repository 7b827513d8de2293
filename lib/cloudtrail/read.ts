/**
 * readInputs(paths): every CloudTrail record held by files, folders and stdin,
 * one item per record, in input order. Never throws for bad input: a file that
 * cannot be read, is not JSON, or holds JSON of no known shape yields one error
 * item; a bad NDJSON line or a bad lookup-events entry yields one error item for
 * itself only.
 *
 * - A path is a file, a folder (walked recursively, entries in name order,
 *   dotfiles skipped, only *.json, *.jsonl, *.ndjson, *.log and *.gz files; an
 *   explicitly named file is always read), `-` for stdin, or `s3://...`, read
 *   object by object through `opts.remote` (lib/s3/trail-objects.ts).
 * - `opts.window` skips walked files whose CloudTrail name or day folder says
 *   they cannot hold a record of the window (lib/s3/trail-keys.ts).
 * - Gzip is recognised by its magic bytes (1f 8b), not by the extension.
 * - Formats are told apart by content (see formats.ts and text-records.ts).
 * - Memory: files are processed one at a time (the next one is read ahead on
 *   another thread, read-ahead.ts). Files up to WHOLE_FILE_BYTES are read in
 *   one go; a CloudTrail log file among them is parsed record by record from
 *   its bytes (log-file-records.ts), any other document at once. A larger
 *   plain log file is read the same way (prepare-file.ts); other large files
 *   stream: NDJSON line by line, a document held whole.
 *
 * `source` is `<path>#<index>`, the index counting the items (records and
 * errors) of that file in order; stdin's path is `-`. Error texts start with
 * their source: `events/x.json#0: not JSON: Unexpected token ...`.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { join, sep } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { DocumentTooLarge, MAX_DOCUMENT_CHARS, textRecords } from './text-records';
import type { Expanded } from './formats';
import { recordBounds, recordItems } from './log-file-records';
import { preparedError } from './prepare-file';
import { ReadAhead } from './read-ahead';
import { GZIP_1, GZIP_2, InputTooLarge, MAX_INPUT_BYTES, mib, plainBytes } from './input-bytes';
import { INPUT_FILE, isS3Url, keyInWindow, type TimeWindow } from '../s3/trail-keys';
import { INVENTORY_FILE } from '../context/inventory-beside';

export { MAX_INPUT_BYTES };

/** An object named by a remote input (`s3://...`): its bytes, or why they could not be had. */
export type RemoteInput = { name: string; bytes: Buffer } | { name: string; error: string };

export type InputItem = { source: string; record: unknown } | { source: string; error: string };

export interface ReadOptions {
  /** The stream read for `-` (default: process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Most bytes one input may give once decompressed (default MAX_INPUT_BYTES). */
  maxInputBytes?: number;
  /** Reads a remote input (`s3://...`) object by object, in key order (lib/s3/trail-objects.ts). */
  remote?: (url: string) => AsyncIterable<RemoteInput>;
  /**
   * Skip files of a folder walk whose CloudTrail name or day folder says they
   * cannot hold a record in the window (lib/s3/trail-keys.ts keyInWindow).
   * A file named on the command line is always read.
   */
  window?: TimeWindow;
  /** Longest JSON document or line read whole (default: V8's longest string, about 512 MiB); for tests. */
  maxDocumentChars?: number;
  /** Files up to this size on disk are read in one go, larger ones streamed (default WHOLE_FILE_BYTES); for tests. */
  wholeFileBytes?: number;
  /** The read-ahead thread's script (default: dist/read-worker.js beside the bundle, when there); false: none. For tests. */
  readAhead?: string | false;
}

/**
 * Whether a folder walk reads this file: an input file by name (INPUT_FILE)
 * that is not an inventory (`*.inventory.json`, lib/context/inventory-beside.ts)
 * and, with a window, one whose CloudTrail name or day folder allows it.
 * The progress bar counts files with the same rule.
 */
export function walkReads(file: string, window: TimeWindow | undefined): boolean {
  return INPUT_FILE.test(file) && !INVENTORY_FILE.test(file) && (!window || keyInWindow(file.split(sep).join('/'), window));
}

/** A short reason for an I/O error, without a stack. */
function ioReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object') {
    if (e.code === 'ENOENT') return 'no such file or directory';
    if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
    if (e.code === 'EISDIR') return 'is a directory';
    if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') return `corrupt gzip data (${e.message})`;
    if (typeof e.message === 'string') return e.code ? `${e.code}: ${e.message}` : e.message;
  }
  return String(err);
}

type Walked = { file: string } | { path: string; error: string };

async function* walk(dir: string, seen: Set<string>, window: TimeWindow | undefined): AsyncGenerator<Walked> {
  let real: string;
  let names: string[];
  try {
    real = await fsp.realpath(dir);
    if (seen.has(real)) return; // symlink loop
    seen.add(real);
    names = await fsp.readdir(dir);
  } catch (err) {
    yield { path: dir, error: `cannot read folder: ${ioReason(err)}` };
    return;
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const full = join(dir, name);
    let stat;
    try {
      stat = await fsp.stat(full);
    } catch (err) {
      yield { path: full, error: `cannot read: ${ioReason(err)}` };
      continue;
    }
    if (stat.isDirectory()) yield* walk(full, seen, window);
    else if (stat.isFile() && walkReads(full, window)) yield { file: full };
  }
}

async function* files(path: string, window: TimeWindow | undefined): AsyncGenerator<Walked> {
  let stat;
  try {
    stat = await fsp.stat(path);
  } catch (err) {
    yield { path, error: `cannot read: ${ioReason(err)}` };
    return;
  }
  if (stat.isDirectory()) yield* walk(path, new Set(), window);
  else yield { file: path };
}

/** Text chunks of a byte stream, gunzipped when it starts with the gzip magic bytes. */
async function* decodedText(input: AsyncIterable<Buffer | string>, cap: number): AsyncGenerator<string> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  let chunk = first.value;
  let source: AsyncIterable<Buffer | string>;
  const rest = async function* () {
    yield chunk;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  };
  if (typeof chunk !== 'string' && chunk.length === 1) {
    // Need two bytes to recognise gzip.
    const next = await it.next();
    if (!next.done) chunk = Buffer.concat([chunk, Buffer.from(next.value)]);
  }
  const gzipped = typeof chunk !== 'string' && chunk.length >= 2 && chunk[0] === GZIP_1 && chunk[1] === GZIP_2;
  if (gzipped) {
    // Reads every member of a concatenated gzip file (zlib's default), as CloudTrail tools write them.
    const gunzip = createGunzip();
    source = pipeline(Readable.from(rest()), gunzip, () => {
      /* errors surface through iteration of gunzip */
    });
  } else {
    source = rest();
  }
  const decoder = new StringDecoder('utf8');
  let started = false;
  let bytes = 0;
  for await (const part of source) {
    bytes += typeof part === 'string' ? Buffer.byteLength(part) : part.length;
    if (bytes > cap) {
      // Stop reading (a FIFO or /dev/zero never ends by itself).
      for (const s of [source, input] as unknown as { destroy?: () => void }[]) s.destroy?.();
      throw new InputTooLarge(cap, gzipped);
    }
    let text = typeof part === 'string' ? part : decoder.write(part);
    if (!started && text.length > 0) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0) yield text;
  }
  const tail = decoder.end();
  if (tail.length > 0) yield tail;
}

/**
 * Files up to this size (as stored, compressed or not) are read in one go
 * (prepare-file.ts), on the read-ahead thread when there is one: CloudTrail's
 * own log files are a few MB at most. Larger files are streamed, except a
 * plain CloudTrail log file, which is read whole as bytes too.
 */
export const WHOLE_FILE_BYTES = 16 * 1024 * 1024;

/** The record groups of bytes read whole from S3: gunzipped, then as a prepared file. */
function bytesGroups(bytes: Buffer, cap: number, maxDocumentChars: number | undefined): AsyncIterable<Iterable<Expanded>> {
  const plain = plainBytes(bytes, cap);
  return preparedGroups(plain, recordBounds(plain), maxDocumentChars);
}

/**
 * The record groups of bytes read whole (prepare-file.ts). A CloudTrail log
 * file is parsed record by record from its bytes (log-file-records.ts: the
 * same records, without one large string per file); anything else is decoded
 * and read by content (text-records.ts).
 */
async function* preparedGroups(plain: Buffer, bounds: readonly number[] | undefined, maxDocumentChars: number | undefined): AsyncGenerator<Iterable<Expanded>> {
  if (bounds) {
    yield recordItems(plain, bounds, maxDocumentChars);
    return;
  }
  let text = plain.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  yield* textRecords(text.length > 0 ? [text] : [], maxDocumentChars);
}

/** The record groups of a file (or `-`): files up to wholeFileBytes read whole (maybe read ahead), larger ones and stdin streamed. */
async function groupsOf(label: string, opts: ReadOptions, ahead: ReadAhead): Promise<AsyncIterable<Iterable<Expanded>>> {
  const cap = opts.maxInputBytes ?? MAX_INPUT_BYTES;
  if (label === '-') return textRecords(decodedText((opts.stdin ?? process.stdin) as AsyncIterable<Buffer | string>, cap), opts.maxDocumentChars);
  const prepared = await ahead.take(label);
  if (prepared.kind === 'error') throw preparedError(prepared);
  if (prepared.kind === 'whole') return preparedGroups(prepared.plain, prepared.bounds, opts.maxDocumentChars);
  return textRecords(decodedText(createReadStream(label, { highWaterMark: 256 * 1024 }), cap), opts.maxDocumentChars);
}

/** Each entry with the one after it (undefined for the last): what to read ahead. */
async function* withNext<T>(list: AsyncIterable<T>): AsyncGenerator<[T, T | undefined]> {
  const it = list[Symbol.asyncIterator]();
  try {
    let current = await it.next();
    while (!current.done) {
      const next = await it.next();
      yield [current.value, next.done ? undefined : next.value];
      current = next;
    }
  } finally {
    await it.return?.();
  }
}

export async function* readInputs(paths: string[], opts: ReadOptions = {}): AsyncGenerator<InputItem> {
  const ahead = new ReadAhead({ cap: opts.maxInputBytes ?? MAX_INPUT_BYTES, wholeFileBytes: opts.wholeFileBytes ?? WHOLE_FILE_BYTES, workerFile: opts.readAhead });
  try {
    for (const path of paths) {
      if (isS3Url(path)) {
        yield* remoteItems(path, opts);
        continue;
      }
      const list: AsyncIterable<Walked> = path === '-' ? oneFile('-') : files(path, opts.window);
      for await (const [entry, next] of withNext(list)) {
        if ('error' in entry) {
          const source = `${entry.path}#0`;
          yield { source, error: `${source}: ${entry.error}` };
          continue;
        }
        // The next file is read on the read-ahead thread while this one is judged.
        if (next && 'file' in next) ahead.request(next.file);
        yield* textItems(entry.file, () => groupsOf(entry.file, opts, ahead));
      }
    }
  } finally {
    ahead.close();
  }
}

/** The records (and errors) of one input, sources `label#index`; reading fails inside, as that input's error. */
async function* textItems(label: string, groups: () => Promise<AsyncIterable<Iterable<Expanded>>>): AsyncGenerator<InputItem> {
  let index = 0;
  try {
    for await (const group of await groups()) {
      for (const item of group) {
        const source = `${label}#${index++}`;
        yield 'record' in item ? { source, record: item.record } : { source, error: `${source}: ${item.error}` };
      }
    }
  } catch (err) {
    const source = `${label}#${index}`;
    const reason = tooLongForOneString(err) ? await documentTooLargeReason(label) : `cannot read: ${ioReason(err)}`;
    yield { source, error: `${source}: ${reason}` };
  }
}

/** A path as one POSIX shell word, safe to paste. */
const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Our own check (DocumentTooLarge) or V8's, when a decompressed buffer is turned into one string. */
function tooLongForOneString(err: unknown): boolean {
  if (err instanceof DocumentTooLarge) return true;
  const e = err as NodeJS.ErrnoException;
  return e?.code === 'ERR_STRING_TOO_LONG' || (e instanceof RangeError && /Invalid string length/.test(e.message));
}

/** What to do about a JSON document too large to parse: its size, and the one-line-per-record way out. */
async function documentTooLargeReason(label: string): Promise<string> {
  let size = '';
  if (label !== '-' && !isS3Url(label)) {
    try {
      size = `${mib((await fsp.stat(label)).size)} on disk, `;
    } catch {
      /* the size is a courtesy */
    }
  }
  const stdin = label === '-';
  const out = shellWord(stdin ? 'records.ndjson' : `${label.replace(/(\.json)?(\.gz)?$/i, '')}.ndjson`);
  const read = stdin ? `jq -c '.Records[]'` : /\.gz$/i.test(label) ? `gunzip -c ${shellWord(label)} | jq -c '.Records[]'` : `jq -c '.Records[]' ${shellWord(label)}`;
  return `too large to parse as one JSON document (${size}more than V8's ${mib(MAX_DOCUMENT_CHARS)} string limit once decoded): write one record per line and replay that instead: ${read} > ${out}`;
}

async function* remoteItems(url: string, opts: ReadOptions): AsyncGenerator<InputItem> {
  if (!opts.remote) {
    yield { source: `${url}#0`, error: `${url}#0: s3:// inputs are not supported here` };
    return;
  }
  const cap = opts.maxInputBytes ?? MAX_INPUT_BYTES;
  for await (const obj of opts.remote(url)) {
    if ('error' in obj) {
      const source = `${obj.name}#0`;
      yield { source, error: `${source}: ${obj.error}` };
      continue;
    }
    yield* textItems(obj.name, async () => bytesGroups(obj.bytes, cap, opts.maxDocumentChars));
  }
}

async function* oneFile(file: string): AsyncGenerator<Walked> {
  yield { file };
}

/** `readInputs` collected into an array: for tests and small inputs only. */
export async function readAll(paths: string[], opts: ReadOptions = {}): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const item of readInputs(paths, opts)) out.push(item);
  return out;
}
