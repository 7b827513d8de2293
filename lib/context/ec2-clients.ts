/**
 * Which EC2 client may answer a question about a change: the shared part of
 * the EC2 context resolvers (rule directions, group names). It refuses
 * (throws, for the context step to report) to look where the credentials
 * cannot see: another account, another region than a fixed client, or a
 * region that is not an AWS region name (it would become an endpoint).
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Change } from '../model';
import { REGION } from '../aws-ids';

// REGION (lib/aws-ids.ts): anything that is not a region name never reaches an endpoint.

/** Errors that mean "this group does not exist (any more)". */
export const GROUP_GONE: ReadonlySet<string> = new Set(['InvalidGroup.NotFound', 'InvalidGroupId.NotFound']);

/** The AWS error code of an SDK error (`Client.`/`Server.` prefix removed), or ''. */
export function awsErrorCode(error: unknown): string {
  const e = (error ?? {}) as { Code?: string; code?: string; name?: string };
  return String(e.Code ?? e.code ?? e.name ?? '').replace(/^(?:Client|Server)\./, '');
}

export interface Ec2ContextClientOptions {
  /** One client for every change (tests, or a single region). A change in another region is not looked up. */
  client?: EC2Client;
  /** A client per region; default: a cached `new EC2Client({ region, maxAttempts: 5 })`. */
  clientForRegion?: (region: string) => EC2Client;
  /** The account whose groups the credentials can see; a change in another account is not looked up. */
  accountId?: string;
  /**
   * Organisation-wide: the client for the change's own account (its member role assumed,
   * lib/org/member-clients.ts). Given, a change in any account is looked up and remediated there.
   */
  clientForChange?: (change: { account: string; region: string; eventId?: string }) => EC2Client;
}

/** One EC2 client per region, made on first use (the SDK retries throttling up to 5 attempts). */
export function regionalEc2Clients(): (region: string) => EC2Client {
  const cache = new Map<string, EC2Client>();
  return (region) => {
    let c = cache.get(region);
    if (!c) cache.set(region, (c = new EC2Client({ region, maxAttempts: 5 })));
    return c;
  };
}

/** A function giving the client for a change's account and region; it throws when it must not look. */
export function ec2ClientPicker(opts: Ec2ContextClientOptions = {}): (change: Pick<Change, 'account' | 'region'> & { eventId?: string }) => Promise<EC2Client> {
  const clientFor = opts.clientForRegion ?? regionalEc2Clients();
  return async (change) => {
    if (opts.clientForChange) {
      if (!REGION.test(change.region)) throw new Error(`the change's region ${JSON.stringify(change.region)} is not an AWS region name`);
      return opts.clientForChange(change);
    }
    if (opts.accountId && change.account !== opts.accountId) {
      throw new Error(`the change is in account ${change.account}; these credentials see account ${opts.accountId}`);
    }
    if (!REGION.test(change.region)) throw new Error(`the change's region ${JSON.stringify(change.region)} is not an AWS region name`);
    if (!opts.client) return clientFor(change.region);
    const configured = await opts.client.config.region();
    if (configured !== change.region) throw new Error(`the EC2 client is for ${configured}, the change is in ${change.region}`);
    return opts.client;
  };
}
