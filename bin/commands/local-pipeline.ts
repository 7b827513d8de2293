/**
 * The pipeline on a laptop: the same runPipeline as the Lambda, with local
 * adapters chosen by flags — the embedded store under .sgwatch/ (LevelDB;
 * or memory, or dynalite, or any DynamoDB endpoint), Slack and SNS only when
 * asked for, EC2 revokes only with --remediate enforce --yes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RemediationMode, Severity } from '../../lib/model';
import type { ChangeStore } from '../../lib/pipeline/ports';
import type { PipelineDeps, PipelineNotifiers } from '../../lib/pipeline/run';
import { DEFAULT_RETENTION_DAYS, TOPIC_ARN } from '../../lib/pipeline/config';
import type { ContextResolvers } from '../../lib/process';
import { errorMessage, errorText } from '../../lib/errors/error-text';
import { applyAwsFlags, type AwsFlags } from './aws-flags';
import { rolePatternProblem } from '../../lib/org/role-pattern';
import { UserError } from './errors';

// Adapters are loaded when a command needs them: the AWS SDK clients cost
// hundreds of milliseconds to load, and `policy show` or a memory-only replay
// should not pay for them.

export interface StoreFlags {
  /** embedded: LevelDB under .sgwatch/store; dynalite: the DynamoDB API in-process under .sgwatch/dynamodb (the old default, slower); memory: nothing kept. */
  store: 'embedded' | 'dynalite' | 'memory';
  stateDir?: string;
  dynamodbEndpoint?: string;
  table?: string;
}

export interface LocalPipelineFlags extends StoreFlags {
  /** `arn:aws:iam::{account}:role/NAME`: look-ups and revokes in each record's account through this role. */
  assumeRoleArn?: string;
  slackWebhook?: string;
  /** Per-post Slack timeout in ms (default 5000); a timed-out post is never retried. */
  slackTimeout?: string;
  /** Stop trying Slack for the rest of the run after this many failures in a row (default 5; 0 = never stop). */
  slackMaxFailures?: string;
  snsTopic?: string;
  consoleAlerts?: boolean;
  minAlertSeverity: Severity;
  selfRole?: string[];
}

export interface OpenStore {
  store: ChangeStore;
  /** Where the records live, for messages. */
  where: string;
  close(): Promise<void>;
}

/**
 * Opens the store the flags name. `readOnly` (history, findings): an
 * embedded store that does not exist yet is an error ("no store in DIR"),
 * never created, so a query in the wrong folder leaves nothing behind.
 */
export async function openStore(flags: StoreFlags & AwsFlags, opts: { readOnly?: boolean; deployed?: boolean } = {}): Promise<OpenStore> {
  if (opts.deployed && !flags.dynamodbEndpoint && (flags.region !== undefined || flags.profile !== undefined)) {
    // history / findings --region R [--profile P] --table T: the deployed table, with the caller's credentials.
    if (!flags.table) throw new UserError('--region/--profile read the deployed history table: give --table with its name (the stack output ChangesTableName: aws cloudformation describe-stacks --stack-name sgwatch-<stage>)');
    applyAwsFlags(flags);
    const { createDynamoStore } = await import('../../lib/store/dynamodb');
    const store = createDynamoStore({ tableName: flags.table });
    return { store, where: `table ${flags.table}${flags.region ? ` in ${flags.region}` : ''}`, close: async () => store.close?.() };
  }
  if (flags.dynamodbEndpoint) {
    let url: URL;
    try {
      url = new URL(flags.dynamodbEndpoint);
    } catch {
      throw new UserError(`--dynamodb-endpoint: not a URL: ${flags.dynamodbEndpoint}`);
    }
    const { createDynamoStore } = await import('../../lib/store/dynamodb');
    const { DEFAULT_LOCAL_TABLE } = await import('../../lib/store/table');
    const tableName = flags.table ?? DEFAULT_LOCAL_TABLE;
    const store = createDynamoStore({ tableName, endpoint: url.toString() });
    return { store, where: `table ${tableName} at ${url.origin}`, close: async () => store.close?.() };
  }
  if (flags.store === 'memory') {
    const { createMemoryStore } = await import('../../lib/store/memory');
    const store = createMemoryStore();
    return { store, where: 'memory (nothing kept)', close: async () => undefined };
  }
  const dir = path.resolve(flags.stateDir ?? process.cwd());
  const stateDir = path.join(dir, '.sgwatch');
  if (flags.store === 'dynalite') return openDynaliteStore(dir, flags.table, opts);
  const storePath = path.join(stateDir, STORE_FOLDER);
  if (opts.readOnly && !fs.existsSync(storePath)) {
    // A folder replayed with sgwatch 0.1 has only the old store: read it where it is.
    if (fs.existsSync(path.join(stateDir, 'dynamodb'))) return openDynaliteStore(dir, flags.table, opts);
    throw new UserError(`no store in ${dir}: sgwatch replay creates one (.sgwatch/); run the query where you replayed, or name that folder with --state-dir`);
  }
  const { openLevelStore, StoreInUseError } = await import('../../lib/store/level');
  let store: import('../../lib/store/level').LevelStore;
  try {
    fs.mkdirSync(stateDir, { recursive: true });
    store = await openLevelStore({ path: storePath });
  } catch (err) {
    if (err instanceof StoreInUseError) throw new UserError(err.message);
    throw new UserError(`cannot open the embedded store at ${storePath}: ${errorMessage(err)}`);
  }
  if (!opts.readOnly) {
    try {
      const { importDynaliteStore } = await import('../../lib/store/import-dynalite');
      const copied = await importDynaliteStore(dir, store);
      if (copied > 0) process.stderr.write(`sgwatch: copied ${copied} records from the old store (.sgwatch/dynamodb) into ${path.relative(process.cwd(), storePath) || storePath}; the old folder can be deleted\n`);
    } catch (err) {
      await store.close().catch(() => undefined);
      throw new UserError(`cannot copy the old store (.sgwatch/dynamodb) into ${storePath}: ${errorMessage(err)}; move .sgwatch/dynamodb aside to start afresh`);
    }
  }
  reportRecovered(store.recovered);
  return { store, where: path.relative(process.cwd(), storePath) || '.', close: () => store.close() };
}

/** The folder of the embedded store under .sgwatch/ (LevelDB, lib/store/level.ts). */
export const STORE_FOLDER = 'store';

/** The old embedded store (dynalite: the DynamoDB API in-process), kept for --store dynalite and for folders replayed with sgwatch 0.1. */
async function openDynaliteStore(dir: string, table: string | undefined, opts: { readOnly?: boolean }): Promise<OpenStore> {
  if (opts.readOnly && !fs.existsSync(path.join(dir, '.sgwatch', 'dynamodb'))) {
    throw new UserError(`no dynalite store in ${dir} (.sgwatch/dynamodb): run sgwatch replay --store dynalite there first, or name that folder with --state-dir`);
  }
  try {
    const { startEmbeddedStore } = await import('../../lib/store/embedded');
    const embedded = await startEmbeddedStore({ dir, tableName: table });
    return { store: embedded.store, where: path.relative(process.cwd(), embedded.path ?? dir) || '.', close: () => embedded.close() };
  } catch (err) {
    throw new UserError(`cannot open the embedded store under ${path.join(dir, '.sgwatch')}: ${errorMessage(err)}`);
  }
}

export interface LocalPipeline {
  deps: PipelineDeps;
  /** The EC2 look-ups of --describe; undefined judges offline. */
  context?: ContextResolvers;
  where: string;
  close(): Promise<void>;
}

/**
 * The CLI's adapters, assembled by the same composition root as the Lambda
 * (lib/wiring/judge-and-act.ts). With --remediate enforce the remediator has
 * the Lambda's account guard: the account is the caller's (STS
 * GetCallerIdentity), and records of other accounts are refused, not
 * revoked in the wrong account and misreported as already gone.
 */
export async function openLocalPipeline(flags: LocalPipelineFlags, mode: RemediationMode, opts: { describe?: boolean } = {}): Promise<LocalPipeline> {
  const notifiers: PipelineNotifiers = {};
  if (flags.slackWebhook) {
    const { checkWebhookUrl, createSlackCircuitBreaker, createSlackNotifier } = await import('../../lib/alerts/slack');
    try {
      checkWebhookUrl(flags.slackWebhook);
    } catch (err) {
      throw new UserError(`--slack-webhook: ${errorText(err)}`);
    }
    let timeoutMs: number | undefined;
    if (flags.slackTimeout !== undefined) {
      timeoutMs = Number(flags.slackTimeout);
      if (!/^\d+$/.test(flags.slackTimeout.trim()) || timeoutMs < 1 || timeoutMs > 120_000) {
        throw new UserError(`--slack-timeout: expected milliseconds from 1 to 120000, got ${JSON.stringify(flags.slackTimeout)}`);
      }
    }
    const maxFailures = flags.slackMaxFailures ?? '5';
    if (!/^\d+$/.test(maxFailures.trim()) || Number(maxFailures) > 1000) {
      throw new UserError(`--slack-max-failures: expected a whole number from 0 (never stop) to 1000, got ${JSON.stringify(maxFailures)}`);
    }
    // One breaker for the whole run, said once on stderr when it opens.
    const breaker = createSlackCircuitBreaker({ threshold: Number(maxFailures), onOpen: (message) => process.stderr.write(`sgwatch: ${message}\n`) });
    notifiers.slack = createSlackNotifier({ webhookUrl: flags.slackWebhook, breaker, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  }
  if (flags.snsTopic) {
    if (!TOPIC_ARN.test(flags.snsTopic)) throw new UserError(`--sns-topic: not an SNS topic ARN: ${flags.snsTopic}`);
    const { createSnsNotifier } = await import('../../lib/alerts/sns');
    notifiers.sns = createSnsNotifier({ topicArn: flags.snsTopic });
  }
  if (flags.consoleAlerts) notifiers.console = (await import('../../lib/alerts/console')).createConsoleNotifier({ write: (line) => process.stderr.write(line + '\n') });
  const lookUps = Boolean(opts.describe);
  // The EC2 side (and the SDK) is loaded only for --describe or enforce.
  // --assume-role-arn: each record's look-ups (and revokes) in its own account, through that account's role;
  // the role is then what limits where a revoke can land, not the caller's account.
  const assumeRoleArn = flags.assumeRoleArn;
  const problem = assumeRoleArn === undefined ? undefined : rolePatternProblem(assumeRoleArn);
  if (problem) throw new UserError(problem);
  const ec2 =
    lookUps || mode === 'enforce'
      ? (await import('../../lib/wiring/ec2')).wireEc2(assumeRoleArn ? { assumeRoleArn } : { accountId: mode === 'enforce' ? await enforceAccount() : undefined })
      : undefined;
  const opened = await openStore(flags);
  const config = { mode, minAlertSeverity: flags.minAlertSeverity, selfRoleArns: flags.selfRole ?? [], retentionDays: DEFAULT_RETENTION_DAYS };
  const { composeJudgeAndAct } = await import('../../lib/wiring/judge-and-act');
  const { context, pipeline } = composeJudgeAndAct({ config, store: opened.store, notifiers, ec2, lookUps });
  return { deps: pipeline, context, where: opened.where, close: opened.close };
}

/** The account the user's credentials belong to: the only one enforce may revoke in. */
async function enforceAccount(): Promise<string> {
  const { callerAccount } = await import('../../lib/wiring/caller-account');
  try {
    return await callerAccount();
  } catch (err) {
    throw new UserError(`--remediate enforce: cannot learn the account of your AWS credentials (STS GetCallerIdentity): ${errorText(err)}`);
  }
}

/** Says, once, what a run that stopped mid-step left: alerts that may or may not have gone out, revokes to retry. */
function reportRecovered(recovered: ReadonlyArray<{ eventId: string; step: string; state: 'unknown' | 'failed' }>): void {
  const unknown = recovered.filter((r) => r.state === 'unknown');
  const retried = recovered.filter((r) => r.state === 'failed');
  const ids = (list: typeof recovered) => list.slice(0, 5).map((r) => `${r.eventId} (${r.step})`).join(', ') + (list.length > 5 ? `, and ${list.length - 5} more` : '');
  if (unknown.length) {
    process.stderr.write(`sgwatch: an earlier run stopped while sending ${unknown.length} alert(s): ${ids(unknown)}; they may or may not have gone out, and are not re-sent (at-most-once): check the channel\n`);
  }
  if (retried.length) process.stderr.write(`sgwatch: an earlier run stopped during ${retried.length} remediation step(s): ${ids(retried)}; retried when their records come again\n`);
}
