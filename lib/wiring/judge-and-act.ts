/**
 * The composition root of "judge, then act": the one place that decides,
 * for the Lambda (handlers/on-change.ts) and the CLI
 * (bin/commands/local-pipeline.ts), which pipeline dependencies a run gets
 * from its configuration: the store, the alert channels, the EC2 look-ups
 * and the remediator (enforce only, always with the account guard of
 * ./ec2.ts). The entry points choose only the adapters that differ (the
 * Lambda's DynamoDB table and SSM-held Slack webhook, the CLI's embedded
 * store and flags) and hand them here.
 */
import type { ContextResolvers } from '../process';
import type { PipelineConfig } from '../pipeline/config';
import type { ChangeStore } from '../pipeline/ports';
import type { PipelineDeps, PipelineLogger, PipelineNotifiers } from '../pipeline/run';
import type { Ec2Wiring } from './ec2';
import type { Policy } from '../policy/types';
import { enforcedSomewhere } from '../policy/overrides';

export interface JudgeAndActParts {
  config: PipelineConfig;
  store: ChangeStore;
  notifiers: PipelineNotifiers;
  /** The EC2 side (./ec2.ts); required in enforce mode and for look-ups. */
  ec2?: Ec2Wiring;
  /** Ask EC2 what CloudTrail does not record (the Lambda always; the CLI with --describe). */
  lookUps: boolean;
  logger?: PipelineLogger;
  /** The policy: an `overrides:` entry that turns enforce on needs the remediator even when the run's own mode is not enforce. */
  policy?: Policy;
}

export interface JudgeAndAct {
  /** For processRecordWithContext: undefined judges offline. */
  context?: ContextResolvers;
  /** For runPipeline. */
  pipeline: PipelineDeps;
}

export function composeJudgeAndAct(parts: JudgeAndActParts): JudgeAndAct {
  const { config, ec2 } = parts;
  const enforces = config.mode === 'enforce' || (parts.policy !== undefined && enforcedSomewhere(parts.policy));
  if ((enforces || parts.lookUps) && !ec2) {
    throw new Error(`${enforces ? 'enforce mode' : 'EC2 look-ups'} need the EC2 wiring (lib/wiring/ec2.ts)`);
  }
  return {
    context: parts.lookUps ? ec2?.context : undefined,
    pipeline: {
      store: parts.store,
      notifiers: parts.notifiers,
      remediator: enforces ? ec2?.remediator : undefined,
      config,
      ...(parts.logger ? { logger: parts.logger } : {}),
    },
  };
}
