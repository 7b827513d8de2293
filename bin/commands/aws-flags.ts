/**
 * `--profile` and `--region`, spelled and honoured as the aws CLI does: they
 * win over AWS_PROFILE / AWS_REGION and the shared config, and reach every
 * AWS client of the run (S3, EC2, SNS, STS), because the SDK reads those
 * variables when each client is made. Set before any client exists.
 */
import { UserError } from './errors';
import { REGION } from '../../lib/aws-ids';

export interface AwsFlags {
  profile?: string;
  region?: string;
}

export function applyAwsFlags(flags: AwsFlags, env: NodeJS.ProcessEnv = process.env): void {
  if (flags.region !== undefined) {
    if (!REGION.test(flags.region)) throw new UserError(`--region: not an AWS region name: ${JSON.stringify(flags.region)}`);
    env.AWS_REGION = flags.region;
  }
  if (flags.profile !== undefined) {
    if (!/^[\w.+@=,-]{1,128}$/.test(flags.profile)) throw new UserError(`--profile: not a profile name: ${JSON.stringify(flags.profile)}`);
    env.AWS_PROFILE = flags.profile;
  }
}
