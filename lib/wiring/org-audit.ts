/**
 * The Organization-wide audit in the Lambdas (lib/org/audit-run.ts):
 *
 * - **fan-out** (the scheduled audit function, when the stack is
 *   organisation-wide): summarise any earlier run some pair never reported,
 *   list the Organization's active accounts (ListAccounts), write the run and
 *   put one message per (account, region) on the audit queue;
 * - **worker** (handlers/org-audit-worker.ts, SQS batches): audit each pair
 *   through the account's sgwatch-member role, with a read-only session
 *   policy, record its final result, and send the run's summary when the
 *   result completes it. A pair that fails is retried through SQS (the
 *   record is reported failed to the batch); on its last try it is recorded
 *   as failed with the reason, and its message goes to the dead-letter queue.
 *
 * Concurrency is bounded by the queue's event source: the batch size (pairs
 * audited at once by one invocation) times its maximum concurrency.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import inventoryActions from '../context/inventory-actions.json';
import { addInventoryJson, emptyInventoryData } from '../context/inventory-file';
import { collectInventorySnapshot, EC2_INVENTORY_SOURCE } from '../context/ec2-inventory';
import { regionalEc2Clients } from '../context/ec2-clients';
import { errorText } from '../errors/error-text';
import { memberEc2Clients } from '../org/member-clients';
import { organizationAccounts } from '../org/accounts';
import {
  missingPairs,
  orgAuditMessageBody,
  orgAuditSummaryResult,
  pairKey,
  pairsOf,
  parseOrgAuditMessage,
  runCounts,
  type AuditPair,
  type OrgAuditRun,
  type OrgAuditRunStore,
  type PairResult,
} from '../org/audit-run';
import { runPipeline, type PipelineDeps } from '../pipeline/run';
import { auditScope, buildAuditDeps, type AuditDeps, type AuditOutcome } from './audit';
import { parseHandlerConfig } from '../pipeline/config';
import { organizationOuPaths } from '../org/ou-path';
import { hasOverrides } from '../policy/overrides';
import { parseAuditRegions, parseMaxTries } from '../org/audit-settings';

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

/** The session policy of the audit's member sessions: the inventory's read-only look-ups, nothing else. */
export const READ_ONLY_SESSION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'AuditReadsOnly', Effect: 'Allow', Action: [...inventoryActions.actions], Resource: '*' }],
});

/** How many earlier runs the fan-out looks at for one never summarised. */
const SWEEP_RUNS = 5;
/** Pairs one run holds: its head item lists them (lib/store/org-audit-items.ts), under DynamoDB's 400 KB. */
export const MAX_PAIRS = 12_000;
/** SendMessageBatch takes at most 10 entries. */
const SQS_BATCH = 10;

export interface OrgAuditShared {
  runs: OrgAuditRunStore;
  /** The summary's pipeline (remediation off). */
  pipeline: PipelineDeps;
  logger: Log;
  now?: () => Date;
}

/** Sends the run's summary through the pipeline (idempotent: its record is `org-audit:<runId>`), then marks the run. */
export async function summariseRun(deps: OrgAuditShared, runId: string): Promise<{ run: OrgAuditRun; results: PairResult[]; alert: string } | undefined> {
  const read = await deps.runs.readRun(runId);
  if (!read) return undefined;
  const outcome = await runPipeline(orgAuditSummaryResult(read.run, read.results), deps.pipeline);
  await deps.runs.markSummarized(runId, (deps.now ?? (() => new Date()))().toISOString());
  const counts = runCounts(read.run, read.results);
  const failed = read.results.filter((r) => r.status === 'failed').map((r) => ({ pair: pairKey(r), reason: r.reason }));
  const missing = missingPairs(read.run, read.results).map(pairKey);
  const alert = outcome.alert.send ? 'sent' : (outcome.alert.why ?? 'none');
  const extra = { runId, ...counts, failed, missing, alert };
  if (counts.failed + counts.missing > 0) deps.logger.warn('sgwatch organization audit summary: some pairs were not audited', extra);
  else deps.logger.info('sgwatch organization audit summary', extra);
  return { ...read, alert };
}

export interface OrgAuditFanOutDeps extends OrgAuditShared {
  /** The Organization's active accounts. */
  accounts: () => Promise<string[]>;
  /** The regions audited in every account. */
  regions: () => Promise<readonly string[]>;
  /** The central stack's own account and region. */
  home: () => Promise<AuditPair>;
  /** The allow-list (ORG_ACCOUNTS): when set, only these accounts are audited. */
  allowedAccounts?: readonly string[];
  /** Puts the messages on the audit queue; returns the ids of the entries that failed. */
  enqueue: (entries: { id: string; body: string }[]) => Promise<string[]>;
}

export interface FanOutOutcome {
  runId: string;
  accounts: number;
  regions: number;
  pairs: number;
  enqueued: number;
  /** Earlier runs summarised now, because some pair never reported. */
  swept: string[];
  /** false: the schedule's retry of a run already started (its messages are put again; results count once). */
  newRun: boolean;
}

/** The run id of a scheduled invocation: the schedule's time, so that a retry is the same run. */
function runIdOf(event: { time?: unknown } | undefined, now: Date): string {
  const t = typeof event?.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return new Date(Number.isNaN(t) ? now.getTime() : t).toISOString();
}

export function createOrgAuditFanOut(deps: OrgAuditFanOutDeps) {
  return async (event?: { time?: unknown }): Promise<FanOutOutcome> => {
    const now = (deps.now ?? (() => new Date()))();
    const runId = runIdOf(event, now);
    // A run some pair never reported (its worker timed out on the last try) is summarised now, naming that pair.
    const swept: string[] = [];
    for (const earlier of await deps.runs.recentRuns(SWEEP_RUNS)) {
      if (earlier.runId === runId || earlier.summarizedAt || earlier.runId > runId) continue;
      try {
        await summariseRun(deps, earlier.runId);
        swept.push(earlier.runId);
      } catch (err) {
        deps.logger.error('sgwatch organization audit: cannot summarise an earlier run; the next run tries again', { runId: earlier.runId, error: errorText(err) });
      }
    }
    let accounts: string[];
    try {
      accounts = await deps.accounts();
    } catch (err) {
      throw new Error(
        `cannot list the Organization's accounts (${errorText(err, { code: 'always' })}): the central stack must run in the management account or a delegated administrator for Organizations, with organizations:ListAccounts`,
      );
    }
    const home = await deps.home();
    if (!accounts.includes(home.account)) accounts.push(home.account);
    if (deps.allowedAccounts) accounts = accounts.filter((a) => deps.allowedAccounts!.includes(a) || a === home.account);
    const regions = await deps.regions();
    const pairs = pairsOf(accounts, regions);
    if (pairs.length > MAX_PAIRS) {
      throw new Error(`${accounts.length} accounts × ${regions.length} regions is ${pairs.length} pairs, more than one run holds (${MAX_PAIRS}); narrow auditRegions or orgAccounts, or split the Organization over two stacks`);
    }
    const { created } = await deps.runs.startRun({ runId, startedAt: now.toISOString(), home, pairs });
    let enqueued = 0;
    for (let i = 0; i < pairs.length; i += SQS_BATCH) {
      const entries = pairs.slice(i, i + SQS_BATCH).map((p, j) => ({ id: String(i + j), body: orgAuditMessageBody(runId, p) }));
      let failed = await deps.enqueue(entries);
      if (failed.length) failed = await deps.enqueue(entries.filter((e) => failed.includes(e.id)));
      if (failed.length) {
        throw new Error(`the audit queue refused ${failed.length} messages of run ${runId} (${failed.map((id) => pairKey(pairs[Number(id)])).join(', ')}); the schedule's retry puts the run's messages again`);
      }
      enqueued += entries.length;
    }
    const out: FanOutOutcome = { runId, accounts: accounts.length, regions: regions.length, pairs: pairs.length, enqueued, swept, newRun: created };
    deps.logger.info('sgwatch organization audit started', { ...out });
    return out;
  };
}

export interface OrgAuditWorkerDeps extends OrgAuditShared {
  /** Audits one pair as of the run's time (auditScope through the pair's member role). */
  audit: (pair: AuditPair, auditedAt: Date, runId: string) => Promise<AuditOutcome>;
  /** Deliveries of one message before its pair is recorded failed (the queue's maxReceiveCount). */
  maxTries: number;
}

/** Thrown for a pair that failed and will be delivered again: the batch reports it, SQS redelivers it. */
class RetryPair extends Error {}

export function createOrgAuditWorker(deps: OrgAuditWorkerDeps) {
  const nowIso = () => (deps.now ?? (() => new Date()))().toISOString();

  /** Records the final result; the result that completes the run sends its summary (again, idempotently, on a redelivery). */
  const finish = async (runId: string, result: PairResult) => {
    const { done, total } = await deps.runs.putPairResult(runId, result);
    if (total > 0 && done >= total) await summariseRun(deps, runId);
  };

  const onRecord = async (record: SQSRecord): Promise<void> => {
    const msg = parseOrgAuditMessage(record.body);
    if ('problem' in msg) {
      // It can never be audited: dropped (not retried), and said.
      deps.logger.error('sgwatch organization audit: a message that is not an audit pair was dropped', { messageId: record.messageId, problem: msg.problem });
      return;
    }
    const attempts = Number(record.attributes?.ApproximateReceiveCount) || 1;
    const pair = { account: msg.account, region: msg.region };
    const stored = await deps.runs.pairResult(msg.runId, pair);
    if (stored) return finish(msg.runId, stored); // a redelivery after the result was kept: only the summary may be missing
    let result: PairResult;
    try {
      const out = await deps.audit(pair, new Date(msg.runId), msg.runId);
      result = {
        ...pair,
        status: 'audited',
        at: nowIso(),
        attempts,
        groups: out.groups,
        rules: out.rules,
        findings: out.findings,
        new: out.new,
        resolved: out.resolved,
        ...(out.worstNew ? { worstNew: out.worstNew } : {}),
      };
    } catch (err) {
      const reason = errorText(err, { code: 'always', max: 400 });
      if (attempts < deps.maxTries) {
        deps.logger.warn('sgwatch organization audit: pair failed, SQS will deliver it again', { runId: msg.runId, pair: pairKey(pair), attempts, maxTries: deps.maxTries, reason });
        throw new RetryPair(reason);
      }
      deps.logger.error('sgwatch organization audit: pair failed on its last try; recorded as failed, its message goes to the dead-letter queue', { runId: msg.runId, pair: pairKey(pair), attempts, reason });
      await finish(msg.runId, { ...pair, status: 'failed', at: nowIso(), attempts, reason });
      throw new RetryPair(reason);
    }
    await finish(msg.runId, result);
  };

  const processor = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    // Records of one batch are audited in parallel: the batch size bounds it.
    processPartialResponse(event, onRecord, processor, { context, throwOnFullBatchFailure: false });
}

/** The worker's audit of one pair: its inventory through the member role (read-only session), the account's effective policy. */
export function memberPairAudit(
  deps: Pick<AuditDeps, 'policy' | 'store' | 'pipeline' | 'logger'>,
  homeAccount: string | undefined,
  partition: string | undefined,
  ouPath?: (account: string) => Promise<string[] | undefined>,
): OrgAuditWorkerDeps['audit'] {
  const clients = memberEc2Clients({ ...(homeAccount ? { homeAccount } : {}), partition, ownClient: regionalEc2Clients(), sessionPolicy: READ_ONLY_SESSION_POLICY });
  return async (pair, auditedAt, runId) =>
    auditScope(
      deps,
      pair,
      async (scope) => {
        const data = emptyInventoryData();
        addInventoryJson(EC2_INVENTORY_SOURCE, await collectInventorySnapshot(clients({ ...scope, eventId: `audit-${runId}` }), scope), data);
        return data;
      },
      auditedAt,
      ouPath ? await ouPath(pair.account) : undefined,
    );
}

/** SQS SendMessageBatch to the audit queue. */
export function sqsEnqueue(queueUrl: string, client = new SQSClient({ maxAttempts: 5 })): OrgAuditFanOutDeps['enqueue'] {
  return async (entries) => {
    const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.map((e) => ({ Id: e.id, MessageBody: e.body })) }));
    return (out.Failed ?? []).map((f) => String(f.Id));
  };
}

/** The Organization's accounts from Organizations (a global service, served from us-east-1 in the aws partition). */
export const organizationAccountList = (client = new OrganizationsClient({ region: 'us-east-1', maxAttempts: 3 })) => () => organizationAccounts(client);

function runStoreOf(store: unknown): OrgAuditRunStore {
  if (typeof (store as Partial<OrgAuditRunStore>).startRun !== 'function') throw new Error('the Organization-wide audit keeps its runs in the DynamoDB table: SGWATCH_STORE must be dynamodb');
  return store as OrgAuditRunStore;
}

/** The fan-out's dependencies, when the stack is organisation-wide and has its audit queue (ORG_ID, ORG_AUDIT_QUEUE_URL); else undefined. */
export function buildOrgAuditFanOutDeps(env: Record<string, string | undefined>, audit: AuditDeps, clients: { organizations?: OrganizationsClient; sqs?: SQSClient } = {}): OrgAuditFanOutDeps | undefined {
  const config = parseHandlerConfig(env);
  const queueUrl = (env.ORG_AUDIT_QUEUE_URL ?? '').trim();
  if (!config.orgId || !queueUrl) return undefined;
  const regions = parseAuditRegions(env.AUDIT_REGIONS);
  return {
    runs: runStoreOf(audit.store),
    pipeline: audit.pipeline,
    logger: audit.logger,
    ...(audit.now ? { now: audit.now } : {}),
    accounts: organizationAccountList(clients.organizations),
    regions: async () => (regions.length ? regions : [(await audit.scope()).region]),
    home: audit.scope,
    ...(config.allowedAccounts ? { allowedAccounts: config.allowedAccounts } : {}),
    enqueue: sqsEnqueue(queueUrl, clients.sqs),
  };
}

/** The worker's dependencies from the environment: the audit's (table, channels, policy), the member roles, OU paths for overrides. */
export function buildOrgAuditWorkerDeps(env: Record<string, string | undefined>, logger: Logger, adapters: Parameters<typeof buildAuditDeps>[2], clients: { organizations?: OrganizationsClient } = {}): OrgAuditWorkerDeps {
  const audit = buildAuditDeps(env, logger, adapters);
  const config = parseHandlerConfig(env);
  const [, partition, , , homeAccount] = (config.selfRoleArns[0] ?? '').split(':');
  const ouPath =
    config.orgId && hasOverrides(audit.policy)
      ? organizationOuPaths({ ...(clients.organizations ? { client: clients.organizations } : {}), onFailure: (account, message) => logger.warn(message, { account }) })
      : undefined;
  return {
    runs: runStoreOf(audit.store),
    pipeline: audit.pipeline,
    logger,
    audit: memberPairAudit(audit, homeAccount || undefined, partition || undefined, ouPath),
    maxTries: parseMaxTries(env.ORG_AUDIT_MAX_TRIES),
  };
}
