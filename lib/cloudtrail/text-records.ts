/**
 * From a stream of text to groups of records, deciding the layout by content:
 *
 * - The first line is tried as JSON. If it parses, the input is
 *   newline-delimited JSON (one record, event, log file or list per line) and
 *   is streamed line by line: memory holds one line at a time, so huge NDJSON
 *   files and CloudTrail's one-line log files are both handled.
 * - Otherwise the input is one JSON document (pretty-printed, or a list) and
 *   is read whole, then parsed once. If that fails but some lines parse on
 *   their own, it is NDJSON with bad lines: each bad line is one error and the
 *   other lines go on.
 *
 * Yields iterables (a line's or a document's records) so the caller pays one
 * async step per line or document, not per record.
 */
import { constants } from 'node:buffer';
import { expand, type Expanded } from './formats';
import { describeJsonError } from './json-error';

/** V8's longest string (about 512 MiB): one JSON document or line longer than this cannot be parsed. */
export const MAX_DOCUMENT_CHARS = constants.MAX_STRING_LENGTH;

/** One document (or NDJSON line) longer than a string can be: said before it is built, not as V8's "Invalid string length". */
export class DocumentTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`one JSON document (or line) longer than ${limit} characters`);
  }
}

function blank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return true;
}

function firstContent(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff) return i;
  }
  return -1;
}

function* line(text: string, lineNo: number, where: string): Generator<Expanded> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    yield { error: `line ${lineNo}: not JSON: ${describeJsonError(text, err, true)}` };
    return;
  }
  yield* expand(value, where);
}

function* whole(text: string): Generator<Expanded> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // NDJSON whose first line is bad: at least one other line is a JSON object or list.
    const lines = text.split('\n');
    let someLineParses = false;
    for (let i = 1; i < lines.length && !someLineParses; i++) {
      const t = lines[i].trim();
      if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
        try {
          const v = JSON.parse(t) as unknown;
          someLineParses = typeof v === 'object' && v !== null && Object.keys(v).length > 0;
        } catch {
          /* keep looking */
        }
      }
    }
    if (!someLineParses) {
      yield { error: `not JSON: ${describeJsonError(text, err)}` };
      return;
    }
    for (let i = 0; i < lines.length; i++) {
      if (!blank(lines[i])) yield* line(lines[i], i + 1, `line ${i + 1}`);
    }
    return;
  }
  yield* expand(value, '');
}

export async function* textRecords(chunks: AsyncIterable<string> | Iterable<string>, maxDocumentChars = MAX_DOCUMENT_CHARS): AsyncGenerator<Iterable<Expanded>> {
  let mode: 'start' | 'lines' | 'document' = 'start';
  // Text of the line being read, in pieces: newlines are searched in each new
  // chunk only, and pieces are joined once per line (no quadratic re-scans of
  // a growing string when one line spans many chunks).
  let pending: string[] = [];
  let pendingChars = 0;
  const hold = (text: string) => {
    pendingChars += text.length;
    if (pendingChars > maxDocumentChars) throw new DocumentTooLarge(maxDocumentChars);
    pending.push(text);
  };
  let seenContent = false;
  let lineNo = 0; // complete lines consumed so far
  // The first NDJSON line is held back until we know whether more lines follow:
  // a one-line file is a document, and its errors need no "line 1:" prefix.
  let held: { value: unknown; lineNo: number } | undefined;

  for await (const chunk of chunks) {
    if (mode === 'document') {
      hold(chunk);
      continue;
    }
    let start = 0;
    const batch: Iterable<Expanded>[] = [];
    if (mode === 'start') {
      if (!seenContent && firstContent(chunk, 0) === -1) {
        hold(chunk);
        continue;
      }
      seenContent = true;
      const content = pending.length === 0 ? firstContent(chunk, 0) : 0;
      const nl = chunk.indexOf('\n', content);
      if (nl === -1) {
        hold(chunk);
        continue;
      }
      const head = pending.join('') + chunk.slice(0, nl);
      let value: unknown;
      try {
        value = JSON.parse(head);
      } catch {
        mode = 'document';
        hold(chunk);
        continue;
      }
      mode = 'lines';
      for (let i = head.indexOf('\n'); i !== -1; i = head.indexOf('\n', i + 1)) lineNo++;
      lineNo++;
      held = { value, lineNo };
      pending = [];
      pendingChars = 0;
      start = nl + 1;
    }
    // mode === 'lines': emit every complete line of this chunk.
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) !== -1) {
      let text = chunk.slice(start, nl);
      if (pending.length > 0) {
        hold(text);
        text = pending.join('');
        pending = [];
        pendingChars = 0;
      }
      start = nl + 1;
      lineNo++;
      if (blank(text)) continue;
      if (held) {
        batch.push(expand(held.value, `line ${held.lineNo}`));
        held = undefined;
      }
      batch.push(line(text, lineNo, `line ${lineNo}`));
    }
    if (start < chunk.length) hold(start === 0 ? chunk : chunk.slice(start));
    if (batch.length === 1) yield batch[0];
    else if (batch.length > 1) yield flatten(batch);
  }

  const rest = pending.join('');
  if (mode === 'document') {
    yield whole(rest);
    return;
  }
  if (mode === 'start') {
    if (firstContent(rest, 0) === -1) {
      yield [{ error: 'empty input: no JSON found' }];
      return;
    }
    yield whole(rest);
    return;
  }
  const last = blank(rest) ? undefined : rest;
  if (held) {
    // Only one non-blank line so far: if nothing follows, the file is one document.
    yield expand(held.value, last === undefined ? '' : `line ${held.lineNo}`);
  }
  if (last !== undefined) yield line(last, lineNo + 1, `line ${lineNo + 1}`);
}

function* flatten(groups: Iterable<Expanded>[]): Generator<Expanded> {
  for (const g of groups) yield* g;
}
