/**
 * The Organization-wide audit's runs in the DynamoDB table (lib/org/audit-run.ts;
 * lib/store/README.md, "Organization audit runs"). One partition per run:
 *
 *   run head:    pk ORGRUN#<runId>  sk RUN                     {runId, startedAt, home, pairs (account/region), total, done, summarizedAt?}
 *   pair result: pk ORGRUN#<runId>  sk PAIR#<account>#<region>  {status, attempts, at, counts or reason}
 *   run index:   pk ORGRUNS         sk <runId>                  {runId}: the recent runs, newest first
 *
 * A pair's result is a conditional put (`attribute_not_exists`), and only the
 * put that created it adds 1 to the head's `done` (an atomic ADD, which
 * returns the new count): so a redelivered message counts nothing twice, and
 * exactly the result that makes `done` reach `total` sees the run complete.
 * No transactions (dynalite has none): a crash between the two writes leaves
 * a result not counted, which the next run's sweep still reports (it reads
 * the results, not the counter).
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pairKey, type AuditPair, type OrgAuditRun, type OrgAuditRunStore, type PairResult } from '../org/audit-run';

const runPk = (runId: string): string => `ORGRUN#${runId}`;
const RUN_SK = 'RUN';
const RUNS_PK = 'ORGRUNS';
const pairSk = (p: AuditPair): string => `PAIR#${p.account}#${p.region}`;
/** Runs are kept this long (TTL): long enough to compare a month of summaries. */
export const ORG_RUN_RETENTION_DAYS = 35;

const isConditionFailure = (err: unknown): boolean => (err as { name?: string }).name === 'ConditionalCheckFailedException';

function runOf(item: Record<string, unknown>): OrgAuditRun {
  return {
    runId: String(item.runId),
    startedAt: String(item.startedAt),
    home: item.home as AuditPair,
    pairs: ((item.pairs as string[]) ?? []).map((k) => {
      const [account, region] = k.split('/');
      return { account, region };
    }),
    ...(typeof item.summarizedAt === 'string' ? { summarizedAt: item.summarizedAt } : {}),
  };
}

function resultOf(item: Record<string, unknown>): PairResult {
  const { pk: _pk, sk: _sk, itemType: _t, expiresAt: _e, ...rest } = item;
  return rest as unknown as PairResult;
}

export function dynamoOrgAuditRunStore(doc: DynamoDBDocumentClient, tableName: string): OrgAuditRunStore {
  const expiresAt = (iso: string) => Math.floor(Date.parse(iso) / 1000) + ORG_RUN_RETENTION_DAYS * 86_400;
  const readHead = async (runId: string) => (await doc.send(new GetCommand({ TableName: tableName, Key: { pk: runPk(runId), sk: RUN_SK }, ConsistentRead: true }))).Item;

  return {
    async startRun(run) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            // The pairs as `account/region` strings: about 25 bytes each, so one item holds some 15,000.
            Item: { pk: runPk(run.runId), sk: RUN_SK, itemType: 'org-audit-run', ...run, pairs: run.pairs.map(pairKey), total: run.pairs.length, done: 0, expiresAt: expiresAt(run.startedAt) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const stored = await readHead(run.runId);
        return { created: false, run: stored ? runOf(stored) : run };
      }
      await doc.send(new PutCommand({ TableName: tableName, Item: { pk: RUNS_PK, sk: run.runId, itemType: 'org-audit-run-index', runId: run.runId, expiresAt: expiresAt(run.startedAt) } }));
      return { created: true, run };
    },

    async putPairResult(runId, result) {
      let counted = true;
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: runPk(runId), sk: pairSk(result), itemType: 'org-audit-pair', ...result, expiresAt: expiresAt(result.at) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        counted = false;
      }
      if (counted) {
        const out = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: runPk(runId), sk: RUN_SK },
            UpdateExpression: 'ADD done :one',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { counted, done: Number(out.Attributes?.done ?? 0), total: Number(out.Attributes?.total ?? 0) };
      }
      const head = await readHead(runId);
      return { counted, done: Number(head?.done ?? 0), total: Number(head?.total ?? 0) };
    },

    async pairResult(runId, pair) {
      const out = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: runPk(runId), sk: pairSk(pair) }, ConsistentRead: true }));
      return out.Item ? resultOf(out.Item) : undefined;
    },

    async readRun(runId) {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': runPk(runId) }, ConsistentRead: true, ExclusiveStartKey: start }));
        items.push(...((out.Items ?? []) as Record<string, unknown>[]));
        start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
      } while (start);
      const head = items.find((i) => i.sk === RUN_SK);
      if (!head) return undefined;
      return { run: runOf(head), results: items.filter((i) => String(i.sk).startsWith('PAIR#')).map(resultOf) };
    },

    async markSummarized(runId, at) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: runPk(runId), sk: RUN_SK },
          UpdateExpression: 'SET summarizedAt = if_not_exists(summarizedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    },

    async recentRuns(limit) {
      const out = await doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': RUNS_PK }, ScanIndexForward: false, Limit: limit }));
      const runs: OrgAuditRun[] = [];
      for (const i of out.Items ?? []) {
        const head = await readHead(String(i.runId));
        if (head) runs.push(runOf(head));
      }
      return runs;
    },
  };
}
