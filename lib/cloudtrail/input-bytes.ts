/**
 * The bytes of one input read whole: gunzipped when they start with the gzip
 * magic bytes (never by name), and held to the cap on what one input may give.
 */
import buffer from 'node:buffer';
import { gunzipSync } from 'node:zlib';

/**
 * Default cap on what one input file (or stdin) may give once decompressed:
 * 1 GiB. A CloudTrail log file is a few MB; a gzip bomb (20 MB that expands
 * to 20 GB) or /dev/zero must give one clear error for that input, not
 * exhaust the heap and lose every other file of the run. `--max-input-mib`
 * raises or lowers it.
 */
export const MAX_INPUT_BYTES = 1024 * 1024 * 1024;

export const GZIP_1 = 0x1f;
export const GZIP_2 = 0x8b;

export const mib = (bytes: number): string => (bytes >= 1024 * 1024 ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB` : `${bytes} bytes`);

/** Thrown when an input passes the cap; readInputs turns it into one invalid result for that input. */
export class InputTooLarge extends Error {
  constructor(cap: number, gzipped: boolean) {
    super(`${gzipped ? 'decompresses to' : 'holds'} more than ${mib(cap)} (the cap on one input; --max-input-mib raises it): not read further`);
  }
}

/**
 * The output chunk to gunzip into: the size the gzip trailer states (ISIZE,
 * the last member's size mod 2^32), so that a CloudTrail file (one member)
 * is inflated into one buffer, not into 16 KB chunks copied together at the
 * end. Bounded by the cap and 256 MiB, since the trailer is only a claim; a
 * wrong claim costs only more chunks.
 */
function outputChunk(gz: Buffer, cap: number): number {
  const claimed = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
  return Math.max(16 * 1024, Math.min(claimed + 1, cap + 1, 256 * 1024 * 1024));
}

/** Bytes read whole, gunzipped when they start with the gzip magic bytes, under the cap. */
export function plainBytes(bytes: Buffer, cap: number): Buffer {
  if (bytes.length >= 2 && bytes[0] === GZIP_1 && bytes[1] === GZIP_2) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: Math.min(cap + 1, buffer.kMaxLength), chunkSize: outputChunk(bytes, cap) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new InputTooLarge(cap, true);
      throw err;
    }
    if (bytes.length > cap) throw new InputTooLarge(cap, true);
  } else if (bytes.length > cap) throw new InputTooLarge(cap, false);
  return bytes;
}
