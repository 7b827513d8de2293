/**
 * ChangeStore over DynamoDB (real, dynalite, or any compatible endpoint),
 * through the lib-dynamodb DocumentClient. Design: README.md in this folder.
 * No transactions (dynalite lacks them): every write is a single conditional
 * PutItem/UpdateItem, and the secondary items (set-groups pointers, findings
 * buckets) are idempotent puts: the bucket is registered before the record,
 * the pointers after it, and a redelivery writes only the pointers missing.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Severity } from '../model';
import type { AuditStore } from '../audit/report';
import type { ChangeStore, FindingsQuery, HistoryQuery, HistoryRecord, StepName, StepStatus } from '../pipeline/ports';
import {
  BUCKETS_PK,
  RECORD_SK,
  findingsBucket,
  findingsPk,
  findingsSeverityOf,
  groupPk,
  groupsOf,
  historySk,
  newestFirst,
  recordPk,
  severitiesAtOrAbove,
} from './keys';
import { FINDINGS_INDEX, GROUP_INDEX } from './table';
import { dynamoAuditStore } from './audit-items';
import { dynamoCanaryStore } from './canary-items';
import { dynamoOrgAuditRunStore } from './org-audit-items';
import type { OrgAuditRunStore } from '../org/audit-run';
import type { CanaryStore } from '../org/canary';
import { packResult, unpackResult, type Packing } from './item-size';

export interface DynamoStoreOptions {
  tableName: string;
  /** A ready client (DocumentClient or plain); otherwise one is built from endpoint/region. */
  client?: DynamoDBClient | DynamoDBDocumentClient;
  endpoint?: string;
  region?: string;
  /** Default page size of history/findings when the query gives no limit. */
  defaultLimit?: number;
}

const INDEX_ATTRIBUTES = ['pk', 'sk', 'gpk', 'gsk', 'fpk', 'fsk', 'itemType'] as const;
/** A result too large for one item: gzipped whole here, and `result` holds its head (./item-size.ts). */
const PACKED_ATTRIBUTE = 'resultGz';

function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

function toRecord(item: Record<string, unknown>): HistoryRecord {
  const copy: Record<string, unknown> = { ...item };
  for (const a of INDEX_ATTRIBUTES) delete copy[a];
  const packed = copy[PACKED_ATTRIBUTE] as Uint8Array | undefined;
  if (packed) {
    copy.result = unpackResult(copy.result as HistoryRecord['result'], packed);
    delete copy[PACKED_ATTRIBUTE];
  }
  const links = copy.links as Record<string, unknown> | undefined;
  if (links && Object.keys(links).length === 0) delete copy.links;
  return copy as unknown as HistoryRecord;
}

/**
 * Every stored record of a table, page by page (a Scan filtered to the record
 * items): for moving a store elsewhere, e.g. the old embedded dynalite folder
 * into the LevelDB store (lib/store/import-dynalite.ts).
 */
export async function* scanRecords(client: DynamoDBClient, tableName: string): AsyncGenerator<HistoryRecord> {
  const doc = DynamoDBDocumentClient.from(client);
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: tableName, FilterExpression: 'sk = :record', ExpressionAttributeValues: { ':record': RECORD_SK }, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) yield toRecord(item);
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Builds a `SET a.b = :v, ...` expression with placeholder names and values. */
class SetOnRecord {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];

  set(path: string[], value: unknown): this {
    const n = this.sets.length;
    const placeholders = path.map((part, i) => {
      const key = `#p${n}_${i}`;
      this.names[key] = part;
      return key;
    });
    this.values[`:v${n}`] = value;
    this.sets.push(`${placeholders.join('.')} = :v${n}`);
    return this;
  }

  get empty(): boolean {
    return this.sets.length === 0;
  }

  expression(): string {
    return `SET ${this.sets.join(', ')}`;
  }
}

export function createDynamoStore(options: DynamoStoreOptions): ChangeStore & AuditStore & CanaryStore & OrgAuditRunStore {
  const { tableName } = options;
  const defaultLimit = options.defaultLimit ?? 100;
  const base =
    options.client ??
    new DynamoDBClient({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
    } satisfies DynamoDBClientConfig);
  const doc =
    base instanceof DynamoDBDocumentClient
      ? base
      : DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
  /** Findings buckets this process already registered (saves a put per finding). */
  const knownBuckets = new Set<string>();

  async function get(eventId: string): Promise<HistoryRecord | undefined> {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: recordPk(eventId), sk: RECORD_SK }, ConsistentRead: true }));
    return out.Item ? toRecord(out.Item) : undefined;
  }

  /**
   * Registers the month bucket of a record with findings, before the record
   * is written: a stored record's bucket then always exists, whatever crashes
   * after. Once per bucket and process.
   */
  async function registerFindingsBucket(record: HistoryRecord): Promise<void> {
    if (!findingsSeverityOf(record)) return;
    const bucket = findingsBucket(record);
    if (knownBuckets.has(bucket)) return;
    await doc.send(new PutCommand({ TableName: tableName, Item: { pk: BUCKETS_PK, sk: bucket, itemType: 'findings-bucket' } }));
    knownBuckets.add(bucket);
  }

  /** The set-groups pointer items of a record (every group of the new set but its main group), except those in `present` (their `sk`s). */
  async function writeGroupPointers(record: HistoryRecord, present: ReadonlySet<string> = new Set()): Promise<void> {
    const mainGroup = record.result.change?.groupId ?? undefined;
    const writes: Promise<unknown>[] = [];
    for (const groupId of groupsOf(record)) {
      if (groupId === mainGroup || present.has(groupPk(groupId))) continue;
      writes.push(
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: recordPk(record.eventId),
              sk: groupPk(groupId),
              itemType: 'group-pointer',
              eventId: record.eventId,
              gpk: groupPk(groupId),
              gsk: historySk(record),
              ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
            },
          }),
        ),
      );
    }
    await Promise.all(writes);
  }

  /** Every item of a record's partition (the record and its pointers), read consistently. */
  async function recordPartition(eventId: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': recordPk(eventId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      startKey = out.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey);
    return items;
  }

  async function batchGetRecords(eventIds: string[]): Promise<Map<string, HistoryRecord>> {
    const found = new Map<string, HistoryRecord>();
    for (let i = 0; i < eventIds.length; i += 100) {
      let keys: Record<string, unknown>[] = eventIds.slice(i, i + 100).map((id) => ({ pk: recordPk(id), sk: RECORD_SK }));
      for (let round = 0; keys.length > 0; round++) {
        const out = await doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of out.Responses?.[tableName] ?? []) {
          const record = toRecord(item);
          found.set(record.eventId, record);
        }
        keys = (out.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        if (keys.length > 0) {
          if (round > 8) throw new Error(`DynamoDB kept ${keys.length} keys unprocessed in BatchGetItem on ${tableName}`);
          await new Promise((r) => setTimeout(r, 50 * 2 ** round));
        }
      }
    }
    return found;
  }

  async function queryDescending(
    index: string,
    pkName: string,
    pkValue: string,
    skName: string,
    since: string | undefined,
    limit: number,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: since ? '#p = :p AND #s >= :since' : '#p = :p',
          ExpressionAttributeNames: { '#p': pkName, ...(since ? { '#s': skName } : {}) },
          ExpressionAttributeValues: { ':p': pkValue, ...(since ? { ':since': since } : {}) },
          ScanIndexForward: false,
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      startKey = out.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey && items.length < limit);
    return items;
  }

  /** One UpdateItem `SET` on an existing change record (never creates one). */
  async function setOnRecord(eventId: string, update: SetOnRecord, what: string): Promise<void> {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: recordPk(eventId), sk: RECORD_SK },
          UpdateExpression: update.expression(),
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: update.values,
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new Error(`${what}: no stored record ${eventId} in ${tableName}`);
      throw err;
    }
  }

  return {
    ...dynamoAuditStore(doc, tableName),
    ...dynamoCanaryStore(doc, tableName),
    ...dynamoOrgAuditRunStore(doc, tableName),
    async putIfAbsent(record) {
      const groups = groupsOf(record);
      const mainGroup = record.result.change?.groupId ?? undefined;
      const severity = findingsSeverityOf(record);
      const { result, packed, packing } = packResult(record.result);
      const item: Record<string, unknown> = {
        ...record,
        result,
        ...(packed ? { [PACKED_ATTRIBUTE]: packed, packing: packing satisfies Packing | undefined } : {}),
        steps: record.steps ?? {},
        links: record.links ?? {},
        pk: recordPk(record.eventId),
        sk: RECORD_SK,
        itemType: 'record',
        ...(mainGroup && groups.includes(mainGroup) ? { gpk: groupPk(mainGroup), gsk: historySk(record) } : {}),
        ...(severity ? { fpk: findingsPk(findingsBucket(record), severity), fsk: historySk(record) } : {}),
      };
      await registerFindingsBucket(record);
      try {
        await doc.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // A redelivery: one consistent query reads the stored record and its pointers; only
        // pointers missing (a crash right after the record's put) are written again.
        const partition = await recordPartition(record.eventId);
        const main = partition.find((i) => i.sk === RECORD_SK);
        if (!main) throw new Error(`record ${record.eventId} exists (conditional put failed) but cannot be read back from ${tableName}`);
        const stored = toRecord(main);
        await writeGroupPointers(stored, new Set(partition.filter((i) => i.itemType === 'group-pointer').map((i) => String(i.sk))));
        return { created: false, record: stored };
      }
      await writeGroupPointers(record);
      return { created: true, record: toRecord(item) };
    },

    get,

    async updateStep(eventId, step, status, extra) {
      const update = new SetOnRecord().set(['steps', step], status);
      if (extra?.remediation) update.set(['remediation'], extra.remediation);
      for (const [k, v] of Object.entries(extra?.links ?? {})) if (v !== undefined) update.set(['links', k], v);
      await setOnRecord(eventId, update, `cannot update step ${step}`);
    },

    async claimStep(eventId: string, step: StepName, expected: StepStatus | undefined, next: StepStatus) {
      const names: Record<string, string> = { '#steps': 'steps', '#step': step };
      const values: Record<string, unknown> = { ':next': next };
      let condition: string;
      if (!expected) {
        condition = 'attribute_exists(pk) AND attribute_not_exists(#steps.#step)';
      } else {
        names['#state'] = 'state';
        names['#attempts'] = 'attempts';
        values[':state'] = expected.state;
        condition = 'attribute_exists(pk) AND #steps.#step.#state = :state';
        if (expected.attempts === undefined) condition += ' AND attribute_not_exists(#steps.#step.#attempts)';
        else {
          values[':attempts'] = expected.attempts;
          condition += ' AND #steps.#step.#attempts = :attempts';
        }
      }
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: recordPk(eventId), sk: RECORD_SK },
            UpdateExpression: 'SET #steps.#step = :next',
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },

    async addLinks(eventId, links) {
      const update = new SetOnRecord();
      for (const [k, v] of Object.entries(links)) if (v !== undefined) update.set(['links', k], v);
      if (!update.empty) await setOnRecord(eventId, update, 'cannot link');
    },

    async history(groupId: string, query: HistoryQuery = {}) {
      const limit = query.limit ?? defaultLimit;
      const items = await queryDescending(GROUP_INDEX, 'gpk', groupPk(groupId), 'gsk', query.since, limit);
      const pointers = items.filter((i) => i.itemType === 'group-pointer').map((i) => String(i.eventId));
      const resolved = pointers.length > 0 ? await batchGetRecords(pointers) : new Map<string, HistoryRecord>();
      const out: HistoryRecord[] = [];
      for (const item of items) {
        if (item.itemType === 'group-pointer') {
          const record = resolved.get(String(item.eventId));
          if (record) out.push(record);
        } else out.push(toRecord(item));
      }
      return out;
    },

    async findings(query: FindingsQuery = {}) {
      const limit = query.limit ?? defaultLimit;
      const severities: Severity[] = severitiesAtOrAbove(query.minSeverity);
      const sinceBucket = query.since?.slice(0, 7);
      const buckets: string[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: sinceBucket ? 'pk = :p AND sk >= :b' : 'pk = :p',
            ExpressionAttributeValues: { ':p': BUCKETS_PK, ...(sinceBucket ? { ':b': sinceBucket } : {}) },
            ScanIndexForward: false,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) buckets.push(String(item.sk));
        startKey = out.LastEvaluatedKey as Record<string, unknown> | undefined;
      } while (startKey);

      const out: HistoryRecord[] = [];
      for (const bucket of buckets) {
        const perSeverity = await Promise.all(
          severities.map((s) => queryDescending(FINDINGS_INDEX, 'fpk', findingsPk(bucket, s), 'fsk', query.since, limit)),
        );
        const merged = newestFirst(perSeverity.flat(), (item) => String(item.fsk));
        for (const item of merged) {
          if (out.length >= limit) break;
          out.push(toRecord(item));
        }
        if (out.length >= limit) break;
      }
      return out;
    },
  };
}
