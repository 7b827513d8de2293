/**
 * Lambda entry of the scheduled audit (wiring only): lib/wiring/audit.ts
 * judges every standing rule of the function's account and region, compares
 * with the last audit in the table and alerts the new findings and the
 * summary once. Runs on the `auditSchedule` parameter (serverless.yml); on a
 * second schedule with the input `{"check": "canaries"}` it runs the delivery
 * check instead (lib/org/late-canary.ts). Organisation-wide (ORG_ID and the
 * audit queue set), the schedule starts an Organization-wide run instead:
 * one SQS message per (account, region), audited by
 * handlers/org-audit-worker.ts (lib/wiring/org-audit.ts).
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { buildAuditDeps, createCanaryCheck, createScheduledAudit, type AuditDeps } from '../lib/wiring/audit';
import { buildOrgAuditFanOutDeps, createOrgAuditFanOut } from '../lib/wiring/org-audit';
import { createSsmSlackNotifier } from './slack-webhook';
import { bundledPolicy } from './bundled-policy';

const logger = new Logger({ serviceName: 'sgwatch' });

/** The schedule's input: `{"check": "canaries"}` runs the delivery check; anything else (the scheduled event, with its `time`), the audit. */
type AuditEvent = { check?: unknown; time?: unknown } | undefined;

export function createAuditHandler(deps: () => AuditDeps, log: Logger = logger) {
  let built: AuditDeps | undefined;
  return middy(async (event: AuditEvent) => {
    const d = (built ??= deps());
    if (event?.check === 'canaries') return createCanaryCheck(d)();
    return d.organization ? createOrgAuditFanOut(d.organization)(event) : createScheduledAudit(d)();
  }).use(injectLambdaContext(log, { logEvent: false }));
}

export const handler = createAuditHandler(() => {
  const deps = buildAuditDeps(process.env, logger, { policy: bundledPolicy, slack: (parameterName) => createSsmSlackNotifier({ parameterName }) });
  const organization = buildOrgAuditFanOutDeps(process.env, deps);
  return organization ? { ...deps, organization } : deps;
});
