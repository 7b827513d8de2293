/**
 * The embedded store moved from dynalite (`.sgwatch/dynamodb`, sgwatch up to
 * 0.1) to LevelDB (`.sgwatch/store`). A folder replayed with the old store
 * keeps its history: the first run that opens the new store copies every old
 * record into it, steps and links included, so that a re-run of the same
 * logs adds no record and sends no alert. The copy is idempotent
 * (putIfAbsent) and marked done only at its end: an interrupted copy is
 * resumed by the next run. The old folder is left in place, untouched.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LevelStore } from './level';

export const LEGACY_FOLDER = 'dynamodb';
const MARK = 'imported-dynalite';

/** Copies the old dynalite store under `<dir>/.sgwatch/` into `store`, once; returns the records copied (0 when there is nothing to do). */
export async function importDynaliteStore(dir: string, store: LevelStore): Promise<number> {
  if (!existsSync(join(dir, '.sgwatch', LEGACY_FOLDER))) return 0;
  if (await store.getMeta(MARK)) return 0;
  const { startEmbeddedStore } = await import('./embedded');
  const { scanRecords } = await import('./dynamodb');
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const legacy = await startEmbeddedStore({ dir });
  const client = new DynamoDBClient({ endpoint: legacy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'sgwatch-local', secretAccessKey: 'sgwatch-local' } });
  let copied = 0;
  try {
    for await (const record of scanRecords(client, legacy.tableName)) {
      if ((await store.putIfAbsent(record)).created) copied++;
    }
  } finally {
    client.destroy();
    await legacy.close();
  }
  await store.setMeta(MARK, new Date().toISOString());
  await store.flush();
  return copied;
}
