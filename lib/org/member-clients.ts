/**
 * EC2 clients for the account a change happened in (organisation-wide): for
 * the central stack's own account, its own credentials; for a member account
 * A, the role `arn:<partition>:iam::A:role/sgwatch-member` assumed through
 * STS (the member template creates it, trusting only the central Lambda's
 * role). Credentials are kept per account until 5 minutes before they expire,
 * so one AssumeRole serves a busy account for most of an hour; the session
 * is named `sgwatch-<eventId>` of the event that needed it, so the member's
 * CloudTrail ties each session to the change it was for.
 *
 * A role that cannot be assumed is an error naming the account and the role:
 * the look-up or the revoke that needed it fails with that message (the record
 * is kept, exposure is unknown with the reason, the revoke is reported failed),
 * and it is tried again on a later event, never cached.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { ACCOUNT_ID } from '../aws-ids';
import { MEMBER_ROLE_NAME } from './names';

/** In the message of every error from a role that cannot be assumed: how the Lambda tells them from other look-up failures. */
export const MEMBER_ROLE_PROBLEM = 'is misconfigured for sgwatch';

/** Credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface MemberClientOptions {
  /** The central stack's own account: changes there use the function's own credentials. Absent: every account's role is assumed. */
  homeAccount?: string;
  /** The role to assume in an account (default: `sgwatch-member` there); the CLI's --assume-role-arn. */
  roleArnFor?: (account: string) => string;
  /** The partition of the role ARNs (aws, aws-us-gov, aws-cn). */
  partition?: string;
  roleName?: string;
  /** STS (tests give a mocked one); default: a client in the change's region. */
  sts?: STSClient;
  /** The home account's EC2 client for a region (the function's own credentials). */
  ownClient: (region: string) => EC2Client;
  now?: () => number;
  /**
   * An IAM session policy for every assumed session: the session can do at most what it allows.
   * The Organization-wide audit passes the read-only look-ups, so its sessions cannot revoke even
   * where the member role may (enforce).
   */
  sessionPolicy?: string;
}

export type ChangeScope = { account: string; region: string; eventId?: string };

/** The role sgwatch assumes in an account. */
export const memberRoleArn = (account: string, partition = 'aws', roleName = MEMBER_ROLE_NAME): string => `arn:${partition}:iam::${account}:role/${roleName}`;

/** A session name AWS accepts (2–64 of [\w+=,.@-]). */
const sessionName = (eventId: string | undefined): string => `sgwatch-${(eventId ?? 'lookup').replace(/[^\w+=,.@-]/g, '-')}`.slice(0, 64);

export function memberEc2Clients(opts: MemberClientOptions): (change: ChangeScope) => EC2Client {
  const now = opts.now ?? Date.now;
  const creds = new Map<string, { value: Promise<AwsCredentialIdentity>; expires: number }>();
  const clients = new Map<string, EC2Client>();
  const stsFor = new Map<string, STSClient>();
  const lastEvent = new Map<string, string | undefined>();

  const assume = async (account: string, region: string, eventId: string | undefined): Promise<AwsCredentialIdentity> => {
    const cached = creds.get(account);
    if (cached && cached.expires - RENEW_BEFORE_MS > now()) return cached.value;
    const roleArn = opts.roleArnFor ? opts.roleArnFor(account) : memberRoleArn(account, opts.partition, opts.roleName);
    let sts = opts.sts ?? stsFor.get(region);
    if (!sts) stsFor.set(region, (sts = new STSClient({ region, maxAttempts: 3 })));
    const value = sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName(eventId), DurationSeconds: 3600, ...(opts.sessionPolicy ? { Policy: opts.sessionPolicy } : {}) })).then(
      (out) => {
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`account ${account}: AssumeRole of ${roleArn} returned no credentials`);
        const expiration = c.Expiration ? new Date(c.Expiration) : new Date(now() + 3600_000);
        creds.set(account, { value, expires: expiration.getTime() });
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration };
      },
      (err: unknown) => {
        creds.delete(account); // never cache a failure: the next event tries again
        const e = err as { name?: string; message?: string };
        throw new Error(`account ${account} ${MEMBER_ROLE_PROBLEM}: cannot assume ${roleArn} (${e.name ?? 'Error'}: ${e.message ?? String(err)}); deploy the member template there, or check its CentralRoleArn and OrgId`);
      },
    );
    // Until it settles, concurrent look-ups of the same account share this one AssumeRole.
    creds.set(account, { value, expires: Number.POSITIVE_INFINITY });
    return value;
  };

  return (change) => {
    if (opts.homeAccount !== undefined && change.account === opts.homeAccount) return opts.ownClient(change.region);
    if (!ACCOUNT_ID.test(change.account)) throw new Error(`the change's account ${JSON.stringify(change.account)} is not an AWS account id`);
    const key = `${change.account}/${change.region}`;
    // The event that asks names the session, when credentials have to be (re)assumed.
    lastEvent.set(change.account, change.eventId);
    let client = clients.get(key);
    if (!client) {
      const { account, region } = change;
      client = new EC2Client({ region, maxAttempts: 5, credentials: () => assume(account, region, lastEvent.get(account)) });
      clients.set(key, client);
    }
    return client;
  };
}

