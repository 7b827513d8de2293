/**
 * What every Lambda function of the stack builds the same way from its
 * configuration (lib/pipeline/config.ts): the history table (or the memory
 * store of the local stage), the alert channels, and Powertools' Logger as
 * the pipeline's logger. The change function (./lambda.ts) and the
 * scheduled audit (./audit.ts) both take them from here.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoStore } from '../store/dynamodb';
import { createMemoryStore } from '../store/memory';
import { createConsoleNotifier } from '../alerts/console';
import { createSnsNotifier } from '../alerts/sns';
import type { HandlerConfig } from '../pipeline/config';
import type { ChangeStore, Notifier } from '../pipeline/ports';
import type { AuditStore } from '../audit/report';
import type { PipelineLogger, PipelineNotifiers } from '../pipeline/run';

/** The table (or memory) and the alert channels the configuration names: the same for every function of the stack. */
export function lambdaStoreAndNotifiers(config: HandlerConfig, adapters: { slack: (parameterName: string) => Notifier }): { store: ChangeStore & AuditStore; notifiers: PipelineNotifiers } {
  const notifiers: PipelineNotifiers = {};
  if (config.topicArn) notifiers.sns = createSnsNotifier({ topicArn: config.topicArn });
  if (config.consoleAlerts) notifiers.console = createConsoleNotifier();
  if (config.slackWebhookParameter) notifiers.slack = adapters.slack(config.slackWebhookParameter);
  const store =
    config.store === 'memory'
      ? createMemoryStore()
      : createDynamoStore({ tableName: config.tableName, client: new DynamoDBClient(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}) });
  return { store, notifiers };
}

/** Powertools' Logger as the pipeline's logger (structured JSON lines). */
export function pipelineLogger(logger: Logger): PipelineLogger {
  return {
    info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
    warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
    error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
  };
}
