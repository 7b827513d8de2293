/**
 * The older embedded store for the laptop (`--store dynalite`; the default is
 * level.ts): dynalite (the DynamoDB API over LevelDB) listening in-process on
 * 127.0.0.1, persistent under `<dir>/.sgwatch/dynamodb`, with the same table
 * as the deployed one. Also the in-memory DynamoDB of tests and benches.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { ChangeStore } from '../pipeline/ports';
import { createDynamoStore } from './dynamodb';
import { DEFAULT_LOCAL_TABLE, ensureTable } from './table';
import { errorMessage } from '../errors/error-text';

export interface EmbeddedStoreOptions {
  /** Working folder; data goes to `<dir>/.sgwatch/dynamodb`. Default: process.cwd(). */
  dir?: string;
  /** Keep nothing on disk (tests). */
  inMemory?: boolean;
  tableName?: string;
}

export interface EmbeddedStore {
  endpoint: string;
  tableName: string;
  /** The folder holding the data, or undefined in memory. */
  path?: string;
  store: ChangeStore;
  close(): Promise<void>;
}

/** Credentials dynalite accepts (it checks none); never the user's real ones. */
const LOCAL_CREDENTIALS = { accessKeyId: 'sgwatch-local', secretAccessKey: 'sgwatch-local' };

export async function startEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
  const tableName = options.tableName ?? DEFAULT_LOCAL_TABLE;
  let path: string | undefined;
  if (!options.inMemory) {
    path = join(options.dir ?? process.cwd(), '.sgwatch', 'dynamodb');
    mkdirSync(path, { recursive: true });
  }
  const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 3 });
  const close = async (): Promise<void> => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await ensureTable(client, tableName);
  } catch (err) {
    await close().catch(() => undefined);
    const message = errorMessage(err);
    const hint = /lock/i.test(message) && path ? ` (is another sgwatch using ${path}?)` : '';
    throw new Error(`cannot open the embedded store${path ? ` at ${path}` : ''}: ${message}${hint}`);
  }
  const store = createDynamoStore({ tableName, client });
  return { endpoint, tableName, path, store: { ...store, close }, close };
}
