/**
 * Lambda entry (wiring only; test/handlers/handler-size.test.ts keeps it so):
 * the per-event flow and the dependencies are lib/wiring/lambda.ts; this file
 * hands it the two adapters that live here, the pre-validated bundled policy
 * (bundled-policy.ts) and the SSM-held Slack webhook (slack-webhook.ts), and
 * wraps it in middy with Powertools' Logger context.
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
import { buildLambdaDeps, createOnChange, type HandlerDeps } from '../lib/wiring/lambda';
import { createSsmSlackNotifier } from './slack-webhook';
import { bundledPolicy } from './bundled-policy';

export type { CloudTrailEvent, HandlerDeps, HandlerResult } from '../lib/wiring/lambda';

/** The real dependencies from the environment (see serverless.yml). */
export function buildDeps(env: Record<string, string | undefined> = process.env, logger = new Logger({ serviceName: 'sgwatch' })): HandlerDeps {
  return buildLambdaDeps(env, logger, { policy: bundledPolicy, slack: (parameterName) => createSsmSlackNotifier({ parameterName }) });
}

/** A handler over given dependencies (or a factory run once per container, on the first event). */
export function createHandler(deps: HandlerDeps | (() => HandlerDeps | Promise<HandlerDeps>), logger?: Logger) {
  const log = logger ?? (typeof deps === 'function' ? new Logger({ serviceName: 'sgwatch' }) : deps.logger);
  return middy(createOnChange(deps, log)).use(injectLambdaContext(log, { logEvent: false }));
}

const logger = new Logger({ serviceName: 'sgwatch' });
export const handler = createHandler(() => buildDeps(process.env, logger), logger);
