/**
 * The replay loop: every input record, in order, normalised and judged.
 * Streams: one result at a time, nothing accumulated here.
 */
import { readInputs } from './cloudtrail/read';
import { invalidResult, processRecord, type ProcessOptions } from './process';
import type { Result } from './model';

export interface ReplayOptions extends ProcessOptions {
  stdin?: NodeJS.ReadableStream;
}

export async function* replayResults(paths: string[], opts: ReplayOptions): AsyncGenerator<Result> {
  for await (const item of readInputs(paths, { stdin: opts.stdin })) {
    if ('error' in item) {
      yield invalidResult(item.source, item.error, opts.mode);
      continue;
    }
    try {
      yield processRecord(item.source, item.record, opts);
    } catch (err) {
      // A bug on one record must not stop the others: report it as that record's error.
      yield invalidResult(item.source, `${item.source}: internal error while judging this record: ${(err as Error).message}`, opts.mode);
    }
  }
}
