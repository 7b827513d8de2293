/**
 * Lambda entry: one EventBridge "AWS API Call via CloudTrail" event (the
 * CloudTrail record in `detail`) → processRecordWithContext (normalise, look
 * up the direction of ModifySecurityGroupRules rules with
 * DescribeSecurityGroupRules and the name of a group named by id only with
 * DescribeSecurityGroups, evaluate with the bundled policy) → runPipeline
 * (store → remediate → notify). Throws when a step failed, so EventBridge retries and finally dead-letters the event;
 * the stored record keeps each step's status, so a retry redoes only what is
 * missing. Dependencies are built once per container, lazily.
 *
 * Cold start (measured by bench/lambda.mts): the policy comes pre-validated
 * from the bundle (bundled-policy.ts: no YAML parse, no schema build), and
 * the SDK clients are built on the first event, not at load. The EC2 and SSM
 * code stays statically imported on purpose: reaching it through import()
 * makes esbuild wrap it in lazily initialised modules, which disables tree
 * shaking of the SDK schemas and more than doubles the bundle (and its parse
 * time) for less than the EC2 module's own evaluation cost.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { processRecordWithContext, type ContextResolvers } from '../lib/process';
import type { Policy } from '../lib/policy/schema';
import { createDynamoStore } from '../lib/store/dynamodb';
import { createMemoryStore } from '../lib/store/memory';
import { createConsoleNotifier } from '../lib/alerts/console';
import { createSnsNotifier } from '../lib/alerts/sns';
import { wireEc2 } from '../lib/wiring/ec2';
import { composeJudgeAndAct } from '../lib/wiring/judge-and-act';
import { parseHandlerConfig, type HandlerConfig } from '../lib/pipeline/config';
import { runPipeline, type PipelineDeps, type PipelineLogger, type PipelineNotifiers, type PipelineOutcome } from '../lib/pipeline/run';
import { createSsmSlackNotifier } from './slack-webhook';
import { bundledPolicy } from './bundled-policy';
import { errorMessage } from '../lib/errors/error-text';

export type CloudTrailEvent = EventBridgeEvent<'AWS API Call via CloudTrail', unknown>;

export interface HandlerDeps {
  config: HandlerConfig;
  policy: Policy;
  pipeline: PipelineDeps;
  logger: Logger;
  /** Look up what CloudTrail does not record: rule directions, group names (read-only, every mode). */
  context?: ContextResolvers;
}

export interface HandlerResult {
  eventId?: string;
  status: PipelineOutcome['status'];
  outcome: string;
  severity: string;
  alert: string;
  remediation: string;
}

/** Builds the real dependencies from the environment (see serverless.yml), through the one composition root. */
export function buildDeps(env: Record<string, string | undefined> = process.env, logger = new Logger({ serviceName: 'sgwatch' })): HandlerDeps {
  const config = parseHandlerConfig(env);
  const notifiers: PipelineNotifiers = {};
  if (config.topicArn) notifiers.sns = createSnsNotifier({ topicArn: config.topicArn });
  if (config.consoleAlerts) notifiers.console = createConsoleNotifier();
  if (config.slackWebhookParameter) notifiers.slack = createSsmSlackNotifier({ parameterName: config.slackWebhookParameter });
  const store =
    config.store === 'memory'
      ? createMemoryStore()
      : createDynamoStore({ tableName: config.tableName, client: new DynamoDBClient(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}) });
  // The account guard: the function's own account, from its role ARN. Built once per container (the group-name cache with it).
  const ec2 = wireEc2({ accountId: config.selfRoleArns[0]?.split(':')[4] });
  const { context, pipeline } = composeJudgeAndAct({ config, store, notifiers, ec2, lookUps: true, logger: pipelineLogger(logger) });
  return { config, policy: bundledPolicy(config.policyFile), logger, context, pipeline };
}

/** Powertools' Logger as the pipeline's logger (structured JSON lines). */
function pipelineLogger(logger: Logger): PipelineLogger {
  return {
    info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
    warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
    error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
  };
}

/** A handler over given dependencies (or a factory run once per container, on the first event). */
export function createHandler(deps: HandlerDeps | (() => HandlerDeps | Promise<HandlerDeps>), logger?: Logger) {
  let ready: Promise<HandlerDeps> | undefined;
  const get = (): Promise<HandlerDeps> => {
    if (typeof deps !== 'function') return Promise.resolve(deps);
    ready ??= Promise.resolve()
      .then(deps)
      .catch((err: unknown) => {
        ready = undefined; // a later invocation tries again
        throw err;
      });
    return ready;
  };
  const log = logger ?? (typeof deps === 'function' ? new Logger({ serviceName: 'sgwatch' }) : deps.logger);

  const onChange = async (event: CloudTrailEvent, _context: Context): Promise<HandlerResult> => {
    let d: HandlerDeps;
    try {
      d = await get();
    } catch (err) {
      log.error('sgwatch cannot start: configuration or policy is invalid', { error: errorMessage(err) });
      throw err;
    }
    const source = `eventbridge:${typeof event?.id === 'string' ? event.id : 'unknown'}`;
    // The whole EventBridge event: normalise unwraps it and fills account/region gaps from the envelope.
    const record: unknown = event;
    const result = await processRecordWithContext(source, record, {
      policy: d.policy,
      mode: d.config.mode,
      context: d.context,
      onNote: (note, topic) => d.logger.warn(topic === 'group-name' ? 'group name unknown' : 'rule direction unknown', { note }),
    });
    const outcome = await runPipeline(result, d.pipeline);
    return {
      eventId: outcome.eventId,
      status: outcome.status,
      outcome: result.verdict.outcome,
      severity: result.verdict.severity,
      alert: outcome.alert.send ? (outcome.alert.reason ?? 'sent') : 'none',
      remediation: outcome.remediation?.status ?? 'none',
    };
  };

  return middy(onChange).use(injectLambdaContext(log, { logEvent: false }));
}

const logger = new Logger({ serviceName: 'sgwatch' });
export const handler = createHandler(() => buildDeps(process.env, logger), logger);
