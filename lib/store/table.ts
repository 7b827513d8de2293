/**
 * The one definition of sgwatch's DynamoDB table. `table.json` is read by
 * serverless.yml (`${file(./lib/store/table.json):KeySchema}` ...) for the
 * deployed table, and by `ensureTable` for the embedded (dynalite) table and
 * any `--dynamodb-endpoint`, so both always have the same keys and indexes.
 * See README.md in this folder for the design.
 */
import { CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import definition from './table.json';

export const TABLE_DEFINITION = definition as {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  GlobalSecondaryIndexes: GlobalSecondaryIndex[];
  TimeToLiveAttribute: string;
};

export const GROUP_INDEX = 'byGroup';
export const FINDINGS_INDEX = 'byFindings';
/** Table name used locally (embedded store) when none is given. */
export const DEFAULT_LOCAL_TABLE = 'sgwatch-changes';

/** Creates the table (on-demand, same keys and indexes as the deployed one) unless it exists; waits until ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string, timeoutMs = 30_000): Promise<{ created: boolean }> {
  let created = false;
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException) && (err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: TABLE_DEFINITION.KeySchema,
          AttributeDefinitions: TABLE_DEFINITION.AttributeDefinitions,
          GlobalSecondaryIndexes: TABLE_DEFINITION.GlobalSecondaryIndexes,
        }),
      );
      created = true;
    } catch (createErr) {
      // Another process created it between our describe and create.
      if ((createErr as { name?: string }).name !== 'ResourceInUseException') throw createErr;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === undefined || i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return { created };
    if (Date.now() > deadline) throw new Error(`DynamoDB table ${tableName} is not ACTIVE after ${timeoutMs} ms (status ${Table?.TableStatus})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
