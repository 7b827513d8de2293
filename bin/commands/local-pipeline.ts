/**
 * The pipeline on a laptop: the same runPipeline as the Lambda, with local
 * adapters chosen by flags — the embedded DynamoDB-compatible store under
 * .sgwatch/ (or memory, or any DynamoDB endpoint), Slack and SNS only when
 * asked for, EC2 revokes only with --remediate enforce --yes.
 */
import path from 'node:path';
import type { RemediationMode, Severity } from '../../lib/model';
import type { ChangeStore } from '../../lib/pipeline/ports';
import type { PipelineDeps, PipelineNotifiers } from '../../lib/pipeline/run';
import { DEFAULT_RETENTION_DAYS } from '../../lib/pipeline/config';
import { UserError } from './errors';

// Adapters are loaded when a command needs them: the AWS SDK clients cost
// hundreds of milliseconds to load, and `policy show` or a memory-only replay
// should not pay for them.

export interface StoreFlags {
  store: 'embedded' | 'memory';
  stateDir?: string;
  dynamodbEndpoint?: string;
  table?: string;
}

export interface LocalPipelineFlags extends StoreFlags {
  slackWebhook?: string;
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

export async function openStore(flags: StoreFlags): Promise<OpenStore> {
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
  try {
    const { startEmbeddedStore } = await import('../../lib/store/embedded');
    const embedded = await startEmbeddedStore({ dir, tableName: flags.table });
    return { store: embedded.store, where: path.relative(process.cwd(), embedded.path ?? dir) || '.', close: () => embedded.close() };
  } catch (err) {
    throw new UserError(`cannot open the embedded store under ${path.join(dir, '.sgwatch')}: ${(err as Error).message}`);
  }
}

export async function openLocalPipeline(flags: LocalPipelineFlags, mode: RemediationMode): Promise<{ deps: PipelineDeps; where: string; close(): Promise<void> }> {
  const notifiers: PipelineNotifiers = {};
  if (flags.slackWebhook) {
    if (!/^https:\/\//.test(flags.slackWebhook) && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(flags.slackWebhook)) {
      throw new UserError('--slack-webhook must be an https:// URL (http:// only for localhost)');
    }
    const { createSlackNotifier } = await import('../../lib/alerts/slack');
    notifiers.slack = createSlackNotifier({ webhookUrl: flags.slackWebhook });
  }
  if (flags.snsTopic) {
    if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$/.test(flags.snsTopic)) throw new UserError(`--sns-topic: not an SNS topic ARN: ${flags.snsTopic}`);
    const { createSnsNotifier } = await import('../../lib/alerts/sns');
    notifiers.sns = createSnsNotifier({ topicArn: flags.snsTopic });
  }
  if (flags.consoleAlerts) notifiers.console = (await import('../../lib/alerts/console')).createConsoleNotifier({ write: (line) => process.stderr.write(line + '\n') });
  const opened = await openStore(flags);
  const deps: PipelineDeps = {
    store: opened.store,
    notifiers,
    remediator: mode === 'enforce' ? (await import('../../lib/remediate/ec2')).createEc2Remediator() : undefined,
    config: {
      mode,
      minAlertSeverity: flags.minAlertSeverity,
      selfRoleArns: flags.selfRole ?? [],
      retentionDays: DEFAULT_RETENTION_DAYS,
    },
  };
  return { deps, where: opened.where, close: opened.close };
}
