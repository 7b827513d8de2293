/**
 * The Lambda's side of the composition root: its dependencies from the
 * environment (see serverless.yml) and the per-event flow. One EventBridge
 * "AWS API Call via CloudTrail" event (the CloudTrail record in `detail`) →
 * processRecordWithContext (normalise, look up the direction of
 * ModifySecurityGroupRules rules and the name of a group named by id only,
 * evaluate with the bundled policy) → runPipeline (store → remediate →
 * notify). Throws when a step failed, so EventBridge retries and finally
 * dead-letters the event; the stored record keeps each step's status, so a
 * retry redoes only what is missing. Dependencies are built once per
 * container, lazily; a failed build is tried again on the next event.
 *
 * handlers/on-change.ts only wires this to middy and hands in the two
 * adapters that live beside it: the bundled policy and the SSM-held Slack
 * webhook.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { processRecordWithContext, type ContextResolvers, type ContextTopic } from '../process';
import type { Policy } from '../policy/schema';
import { wireEc2 } from './ec2';
import { composeJudgeAndAct } from './judge-and-act';
import { parseHandlerConfig, type HandlerConfig } from '../pipeline/config';
import type { Notifier } from '../pipeline/ports';
import { alertMemberRoleOnce, PipelineError, runPipeline, type PipelineDeps, type PipelineOutcome } from '../pipeline/run';
import { MEMBER_ROLE_PROBLEM } from '../org/member-clients';
import { organizationOuPaths } from '../org/ou-path';
import { hasOverrides } from '../policy/overrides';
import { lambdaStoreAndNotifiers, pipelineLogger } from './stack-adapters';
import { errorMessage } from '../errors/error-text';

export type CloudTrailEvent = EventBridgeEvent<'AWS API Call via CloudTrail', unknown>;

export interface HandlerDeps {
  config: HandlerConfig;
  policy: Policy;
  pipeline: PipelineDeps;
  logger: Logger;
  /** Look up what CloudTrail does not record: rule directions, group names (read-only, every mode). */
  context?: ContextResolvers;
  /** Organisation-wide with OU overrides: an account's OU path from Organizations (undefined: the policy's static map). */
  ouPath?: (account: string) => Promise<string[] | undefined>;
}

export interface HandlerResult {
  eventId?: string;
  status: PipelineOutcome['status'];
  outcome: string;
  severity: string;
  alert: string;
  remediation: string;
}

/** The adapters the handler's folder holds. */
export interface LambdaAdapters {
  /** The validated policy (pre-compiled into the bundle). */
  policy: (policyFile: HandlerConfig['policyFile']) => Policy;
  /** The Slack notifier reading its webhook from this SSM parameter. */
  slack: (parameterName: string) => Notifier;
}

/** The real dependencies from the environment, through the one composition root. */
export function buildLambdaDeps(env: Record<string, string | undefined>, logger: Logger, adapters: LambdaAdapters): HandlerDeps {
  const config = parseHandlerConfig(env);
  const { store, notifiers } = lambdaStoreAndNotifiers(config, adapters);
  // The account guard: the function's own account, from its role ARN. Built once per container (the group-name cache with it).
  // Organisation-wide (ORG_ID), a member account's change is looked up and remediated through its sgwatch-member role.
  const ec2 = wireEc2({ accountId: config.selfRoleArns[0]?.split(':')[4], partition: config.selfRoleArns[0]?.split(':')[1], memberRoles: Boolean(config.orgId) });
  const policy = adapters.policy(config.policyFile);
  const { context, pipeline } = composeJudgeAndAct({ config, store, notifiers, ec2, lookUps: true, logger: pipelineLogger(logger), policy });
  const ouPath = config.orgId && hasOverrides(policy) ? organizationOuPaths({ onFailure: (account, message) => logger.warn(message, { account }) }) : undefined;
  return { config, policy, logger, context, pipeline, ...(ouPath ? { ouPath } : {}) };
}


/** The log message of each kind of context note. */
const NOTE_MESSAGES: Record<ContextTopic, string> = {
  direction: 'rule direction unknown',
  'group-name': 'group name unknown',
  inventory: 'inventory look-up incomplete',
};

/** One alert a day per account whose member role could not be assumed for this change (lib/pipeline/run.ts). */
async function memberRoleAlert(outcome: PipelineOutcome, problems: string[], d: HandlerDeps): Promise<void> {
  const record = outcome.record;
  const account = record?.result.change?.account;
  if (problems.length === 0 || !record || !account) return;
  const sent = await alertMemberRoleOnce(record, account, problems[0], d.pipeline);
  d.logger.error('sgwatch cannot assume the member role of this account', { account, eventId: record.eventId, alerted: sent ? 'now' : 'already today', problem: problems[0] });
}

/** The per-event function over given dependencies (or a factory run once per container, on the first event). */
export function createOnChange(deps: HandlerDeps | (() => HandlerDeps | Promise<HandlerDeps>), log: Logger) {
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

  return async (event: CloudTrailEvent, _context: Context): Promise<HandlerResult> => {
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
    // An account outside the allow-list is judged from the event alone: no look-up (no role assumed) there.
    const account = (event?.detail as { recipientAccountId?: unknown } | undefined)?.recipientAccountId ?? event?.account;
    const allowed = !d.config.allowedAccounts || (typeof account === 'string' && d.config.allowedAccounts.includes(account));
    // A member role that cannot be assumed fails the look-ups with MEMBER_ROLE_PROBLEM: kept and alerted once a day per account.
    const roleProblems: string[] = [];
    const ous = d.ouPath && typeof account === 'string' ? await d.ouPath(account) : undefined;
    const result = await processRecordWithContext(source, record, {
      policy: d.policy,
      ...(ous ? { ousOf: () => ous } : {}),
      mode: d.config.mode,
      context: allowed ? d.context : undefined,
      onNote: (note, topic) => {
        if (note.includes(MEMBER_ROLE_PROBLEM)) roleProblems.push(note);
        d.logger.warn(NOTE_MESSAGES[topic], { note });
      },
    });
    let outcome: PipelineOutcome;
    try {
      outcome = await runPipeline(result, d.pipeline);
    } catch (err) {
      if (err instanceof PipelineError) await memberRoleAlert(err.outcome, roleProblems, d);
      throw err;
    }
    await memberRoleAlert(outcome, roleProblems, d);
    return {
      eventId: outcome.eventId,
      status: outcome.status,
      outcome: result.verdict.outcome,
      severity: result.verdict.severity,
      alert: outcome.alert.send ? (outcome.alert.reason ?? 'sent') : 'none',
      remediation: outcome.remediation?.status ?? 'none',
    };
  };
}
