/**
 * The replay loop: every input record, in order, normalised and judged.
 * Streams: one result at a time, nothing accumulated here.
 */
import { readInputs } from './cloudtrail/read';
import { invalidResult, processRecord, processRecordWithContext, type ContextOptions } from './process';
import type { Result } from './model';
import { errorMessage } from './errors/error-text';

export interface ReplayOptions extends ContextOptions {
  stdin?: NodeJS.ReadableStream;
  /** Cap on one input's decompressed bytes (lib/cloudtrail/read.ts MAX_INPUT_BYTES by default). */
  maxInputBytes?: number;
}

export async function* replayResults(paths: string[], opts: ReplayOptions): AsyncGenerator<Result> {
  for await (const item of readInputs(paths, { stdin: opts.stdin, maxInputBytes: opts.maxInputBytes })) {
    if ('error' in item) {
      yield invalidResult(item.source, item.error, opts.mode);
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
