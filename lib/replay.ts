/**
 * The replay loop: every input record, in order, normalised and judged.
 * Streams: one result at a time, nothing accumulated here.
 */
import { readInputs, type RemoteInput } from './cloudtrail/read';
import type { TimeWindow } from './s3/trail-keys';
import { invalidResult, processRecord, processRecordWithContext, type ContextOptions } from './process';
import type { Result } from './model';
import { errorMessage } from './errors/error-text';

export interface ReplayOptions extends ContextOptions {
  stdin?: NodeJS.ReadableStream;
  /** Cap on one input's decompressed bytes (lib/cloudtrail/read.ts MAX_INPUT_BYTES by default). */
  maxInputBytes?: number;
  /** Reads `s3://...` inputs (lib/s3/trail-objects.ts). */
  remote?: (url: string) => AsyncIterable<RemoteInput>;
  /** `--since`/`--until`: files skipped by the date in their name, records by their eventTime. */
  window?: TimeWindow;
  /** Called for each record left out because its eventTime is outside the window. */
  onOutsideWindow?: (source: string) => void;
}

/** A read record's eventTime in ms, or undefined: readInputs yields bare CloudTrail records and EventBridge events (formats.ts expand). */
function recordTimeOf(record: unknown): number | undefined {
  if (!record || typeof record !== 'object') return undefined;
  const r = record as { eventTime?: unknown; detail?: { eventTime?: unknown } };
  const t = typeof r.eventTime === 'string' ? r.eventTime : typeof r.detail?.eventTime === 'string' ? r.detail.eventTime : undefined;
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Whether a record is outside the window; a record without a readable eventTime is kept (and judged). */
function outside(record: unknown, since: number | undefined, until: number | undefined): boolean {
  if (since === undefined && until === undefined) return false;
  const t = recordTimeOf(record);
  if (t === undefined) return false;
  return (since !== undefined && t < since) || (until !== undefined && t > until);
}

export async function* replayResults(paths: string[], opts: ReplayOptions): AsyncGenerator<Result> {
  const since = opts.window?.since ? Date.parse(opts.window.since) : undefined;
  const until = opts.window?.until ? Date.parse(opts.window.until) : undefined;
  for await (const item of readInputs(paths, { stdin: opts.stdin, maxInputBytes: opts.maxInputBytes, remote: opts.remote, window: opts.window })) {
    if ('error' in item) {
      yield invalidResult(item.source, item.error, opts.mode);
      continue;
    }
    if (outside(item.record, since, until)) {
      opts.onOutsideWindow?.(item.source);
      continue;
    }
    try {
      // Offline unless context resolvers are given (`sgwatch replay --describe`).
      yield opts.context ? await processRecordWithContext(item.source, item.record, opts) : processRecord(item.source, item.record, opts);
    } catch (err) {
      // A bug on one record must not stop the others: report it as that record's error.
      yield invalidResult(item.source, `${item.source}: internal error while judging this record: ${errorMessage(err)}`, opts.mode);
    }
  }
}
