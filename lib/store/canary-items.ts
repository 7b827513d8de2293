/**
 * The delivery-canary item type in the DynamoDB table (lib/store/README.md,
 * "delivery canary"): one item per (account, region), the newest canary seen.
 * A conditional put keeps it the newest whatever order deliveries arrive in.
 *
 *   pk CANARY   sk <account>#<region>   {account, region, at, eventId}
 */
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { byPair, type CanaryBeat, type CanaryStore } from '../org/canary';

export const CANARY_PK = 'CANARY';

export function dynamoCanaryStore(doc: DynamoDBDocumentClient, tableName: string): CanaryStore {
  return {
    async putCanary(beat) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: CANARY_PK, sk: `${beat.account}#${beat.region}`, itemType: 'canary', ...beat },
            ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
            ExpressionAttributeNames: { '#at': 'at' },
            ExpressionAttributeValues: { ':at': beat.at },
          }),
        );
      } catch (err) {
        // A newer canary of the same pair is kept already.
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
      }
    },

    async canaries() {
      const beats: CanaryBeat[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': CANARY_PK }, ConsistentRead: true, ExclusiveStartKey: start }));
        for (const i of out.Items ?? []) beats.push({ account: String(i.account), region: String(i.region), at: String(i.at), eventId: String(i.eventId) });
        start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
      } while (start);
      return beats.sort(byPair);
    },
  };
}
