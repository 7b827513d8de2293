/**
 * Lambda entry of the Organization-wide audit's workers (wiring only): each
 * SQS message of the audit queue is one (account, region) of a run, audited
 * through that account's sgwatch-member role (lib/wiring/org-audit.ts). A
 * pair that fails is reported in batchItemFailures, so SQS delivers it again;
 * on its last try it is recorded failed and goes to the dead-letter queue.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { buildOrgAuditWorkerDeps, createOrgAuditWorker, type OrgAuditWorkerDeps } from '../lib/wiring/org-audit';
import { createSsmSlackNotifier } from './slack-webhook';
import { bundledPolicy } from './bundled-policy';

const logger = new Logger({ serviceName: 'sgwatch' });

export function createOrgAuditWorkerHandler(deps: () => OrgAuditWorkerDeps, log: Logger = logger) {
  let worker: ReturnType<typeof createOrgAuditWorker> | undefined;
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => (worker ??= createOrgAuditWorker(deps()))(event, context)).use(
    injectLambdaContext(log, { logEvent: false }),
  );
}

export const handler = createOrgAuditWorkerHandler(() =>
  buildOrgAuditWorkerDeps(process.env, logger, { policy: bundledPolicy, slack: (parameterName) => createSsmSlackNotifier({ parameterName }) }),
);
