/**
 * The audit snapshot item type in the DynamoDB table (lib/store/README.md,
 * "audit snapshot"): the findings of the last audit of each (account,
 * region), so that the next audit reports only what is new and what was
 * resolved. A large account has more findings than one 400 KB item holds,
 * so a snapshot is written as chunks of at most CHUNK_BYTES of JSON under
 * its own partition, then one head item that names them; the head is written
 * last, so a snapshot is visible only once complete, and a failed write
 * leaves the last complete one as the latest.
 *
 *   head:   pk AUDIT#<account>#<region>              sk RUN#<auditedAt>   {chunks, groups, rules, findings}
 *   chunks: pk AUDIT#<account>#<region>#<auditedAt>  sk <0000..>          {body: JSON of StandingFinding[]}
 */
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditSnapshot, AuditStore } from '../audit/report';
import type { StandingFinding } from '../audit/judge-standing';

/** JSON bytes per chunk item, well under DynamoDB's 400 KB item limit. */
export const CHUNK_BYTES = 300_000;

export const auditPk = (account: string, region: string): string => `AUDIT#${account}#${region}`;
const chunkPk = (account: string, region: string, at: string): string => `${auditPk(account, region)}#${at}`;

/** The findings as JSON chunks of at most `max` bytes each (a finding is never split). */
export function chunkFindings(findings: readonly StandingFinding[], max = CHUNK_BYTES): string[] {
  const chunks: string[] = [];
  let part: string[] = [];
  let size = 2;
  for (const f of findings) {
    const s = JSON.stringify(f);
    if (part.length > 0 && size + s.length + 1 > max) {
      chunks.push(`[${part.join(',')}]`);
      part = [];
      size = 2;
    }
    part.push(s);
    size += s.length + 1;
  }
  if (part.length > 0 || chunks.length === 0) chunks.push(`[${part.join(',')}]`);
  return chunks;
}

/** Older snapshots are only history: TTL removes them this long after they were taken (the latest is rewritten by every audit). */
export const AUDIT_RETENTION_DAYS = 35;

export function dynamoAuditStore(doc: DynamoDBDocumentClient, tableName: string): AuditStore {
  return {
    async putAudit(s: AuditSnapshot) {
      const chunks = chunkFindings(s.findings);
      const ttl = { expiresAt: Math.floor(Date.parse(s.auditedAt) / 1000) + AUDIT_RETENTION_DAYS * 86_400 };
      for (let i = 0; i < chunks.length; i += 8) {
        await Promise.all(
          chunks.slice(i, i + 8).map((body, j) =>
            doc.send(new PutCommand({ TableName: tableName, Item: { pk: chunkPk(s.account, s.region, s.auditedAt), sk: String(i + j).padStart(4, '0'), itemType: 'audit-chunk', body, ...ttl } })),
          ),
        );
      }
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: auditPk(s.account, s.region), sk: `RUN#${s.auditedAt}`, itemType: 'audit-run', auditedAt: s.auditedAt, chunks: chunks.length, groups: s.groups, rules: s.rules, findings: s.findings.length, ...ttl },
        }),
      );
    },

    async latestAudit(scope) {
      const head = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
          ExpressionAttributeValues: { ':pk': auditPk(scope.account, scope.region), ':run': 'RUN#' },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const run = head.Items?.[0];
      if (!run) return undefined;
      const at = String(run.auditedAt);
      const findings: StandingFinding[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': chunkPk(scope.account, scope.region, at) }, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        for (const item of out.Items ?? []) findings.push(...(JSON.parse(String(item.body)) as StandingFinding[]));
        start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
      } while (start);
      return { account: scope.account, region: scope.region, auditedAt: at, groups: Number(run.groups), rules: Number(run.rules), findings };
    },
  };
}
