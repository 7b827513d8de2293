/**
 * A new, empty history table on the embedded DynamoDB API (dynalite on
 * 127.0.0.1), created from lib/store/table.json as the stack creates it: each
 * handler test runs on a table of its own.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../lib/store/table';

export async function freshTable(endpoint: string, tableName: string): Promise<string> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1' });
  try {
    await ensureTable(client, tableName);
  } finally {
    client.destroy();
  }
  return tableName;
}
