/**
 * A CloudTrail log file as CloudTrail writes it, `{"Records":[{...},{...}]}`,
 * read one record at a time from its bytes instead of as one string.
 *
 * Why: a log file is 0.5-5 MB once gunzipped. Decoded whole, it is one string
 * in V8's large-object space (anything over 128 KB): fresh memory for every
 * file. On the 2-core machine this project is measured on, decoding 130 MB of
 * log files that way took ~500 ms, against ~60 ms for the same bytes decoded
 * record by record; finding the records costs ~170 ms. And a record parsed
 * just before it is judged is garbage soon after, instead of a whole file's
 * records surviving every young-generation collection until the file is done.
 *
 * The same records, or the general path: `recordBounds` returns undefined
 * unless the bytes have that one shape (one key "Records", a list of objects,
 * nothing after it but whitespace), and the caller then reads the file whole
 * (text-records.ts), with its error messages. The scan only finds where each
 * record starts and ends (strings skipped, braces counted); JSON.parse of each
 * record's text decides the rest. A record that does not parse is one error,
 * `Records[3]: not JSON: ...`, and the records after it are still read (read
 * whole, the file would have been one error and no records).
 */
import { describeJsonError } from './json-error';
import { expandRecordsEntry, type Expanded } from './formats';
import { DocumentTooLarge, MAX_DOCUMENT_CHARS } from './text-records';

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** `{"Records":[` with JSON whitespace (only space, tab, LF, CR) and an optional UTF-8 BOM before it. */
const HEAD = /^(?:\xef\xbb\xbf)?[ \t\n\r]*\{[ \t\n\r]*"Records"[ \t\n\r]*:[ \t\n\r]*\[/;

function skipSpace(b: Uint8Array, i: number): number {
  for (let c = b[i]; c === SPACE || c === LF || c === CR || c === TAB; c = b[++i]);
  return i;
}

/** Where the list of a log file's head (`{"Records":[`) ends, or undefined: not a log file. */
function headEnd(b: Buffer): number | undefined {
  return HEAD.exec(b.toString('latin1', 0, Math.min(b.length, 256)))?.[0].length;
}

/** Whether bytes start as a CloudTrail log file does (`{"Records":[`, after whitespace): worth reading whole to find its records. */
export function startsLikeLogFile(head: Buffer): boolean {
  return headEnd(head) !== undefined;
}

/**
 * Where each record of the list starts and ends, as [start0, end0, start1, end1, ...],
 * or undefined if the bytes are not `{"Records":[{...}, ...]}` and whitespace.
 */
export function recordBounds(b: Buffer): number[] | undefined {
  const n = b.length;
  const head = headEnd(b);
  if (head === undefined) return undefined;
  let i = skipSpace(b, head);
  const bounds: number[] = [];
  if (b[i] !== CLOSE_BRACKET) {
    for (;;) {
      if (b[i] !== OPEN_BRACE) return undefined;
      const start = i;
      let depth = 0;
      for (; i < n; i++) {
        const c = b[i];
        if (c === QUOTE) {
          // A string: nothing in it is structure. `\` escapes the next byte (`\"`, `\\`, `\u...`).
          for (i++; i < n; i++) {
            const s = b[i];
            if (s === BACKSLASH) i++;
            else if (s === QUOTE) break;
          }
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          depth++;
        } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          if (--depth === 0) break;
        }
      }
      if (i >= n) return undefined;
      i++;
      bounds.push(start, i);
      i = skipSpace(b, i);
      if (b[i] === COMMA) {
        i = skipSpace(b, i + 1);
        continue;
      }
      if (b[i] === CLOSE_BRACKET) break;
      return undefined;
    }
  }
  i = skipSpace(b, i + 1);
  if (b[i] !== CLOSE_BRACE) return undefined;
  return skipSpace(b, i + 1) === n ? bounds : undefined;
}

/** The records at `bounds` (from recordBounds, maybe on another thread), each parsed when it is reached. */
export function* recordItems(b: Buffer, bounds: readonly number[], maxRecordChars = MAX_DOCUMENT_CHARS): Generator<Expanded> {
  for (let k = 0; k < bounds.length; k += 2) {
    const text = b.toString('utf8', bounds[k], bounds[k + 1]);
    // One record longer than a string can be (V8 throws first at its own limit): the input's error, as read whole.
    if (text.length > maxRecordChars) throw new DocumentTooLarge(maxRecordChars);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { error: `Records[${k / 2}]: not JSON: ${describeJsonError(text, err)}` };
      continue;
    }
    yield* expandRecordsEntry(value, '', k / 2, 0);
  }
}
