/**
 * One input file made ready to parse, before any of it is judged: read whole
 * and gunzipped (input-bytes.ts), with where its records are when it is a
 * CloudTrail log file (log-file-records.ts). Pure and synchronous, so that it
 * runs the same on the read-ahead thread (read-worker.ts) and in-process.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { plainBytes } from './input-bytes';
import { recordBounds, startsLikeLogFile } from './log-file-records';

export type PreparedFile =
  /** Read whole; `bounds` are its records' [start, end) byte offsets, when it is a CloudTrail log file. */
  | { kind: 'whole'; plain: Buffer; bounds: number[] | undefined }
  /** Larger than `wholeFileBytes`, or not a regular file (a FIFO says size 0): to be streamed. */
  | { kind: 'stream' }
  /** Could not be read: the error's code and message (what the reader says about it). */
  | { kind: 'error'; code?: string; message: string };

export function prepareFile(file: string, cap: number, wholeFileBytes: number): PreparedFile {
  try {
    const stat = statSync(file);
    // Only a regular file has a size to trust: a FIFO or /dev/zero says 0 and is streamed, under the cap.
    if (!stat.isFile()) return { kind: 'stream' };
    if (stat.size > wholeFileBytes) return largeLogFile(file, stat.size, cap) ?? { kind: 'stream' };
    const plain = plainBytes(readFileSync(file), cap);
    return { kind: 'whole', plain, bounds: recordBounds(plain) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { kind: 'error', ...(typeof e?.code === 'string' ? { code: e.code } : {}), message: e instanceof Error ? e.message : String(err) };
  }
}

/**
 * A file over wholeFileBytes is read whole only when it is a plain (not
 * gzipped) CloudTrail log file: its head says so and its records are found.
 * Its records are then parsed one at a time from its bytes, where streamed it
 * would be held as one string of the whole document, then parsed whole (about
 * three times the file's size in memory). Anything else (NDJSON, gzip, other
 * shapes, a file over the cap) is streamed as before: undefined.
 */
function largeLogFile(file: string, size: number, cap: number): PreparedFile | undefined {
  if (size > cap) return undefined;
  const head = Buffer.alloc(256);
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!startsLikeLogFile(head.subarray(0, n))) return undefined;
  const plain = readFileSync(file);
  const bounds = recordBounds(plain);
  return bounds ? { kind: 'whole', plain, bounds } : undefined;
}

/** The error a prepared file could not be read with, as the reader reports errors (code and message). */
export function preparedError(p: { code?: string; message: string }): Error {
  return Object.assign(new Error(p.message), p.code ? { code: p.code } : {});
}
