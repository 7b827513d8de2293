/**
 * The OU path of an account from AWS Organizations (policy `overrides:` by
 * OU, lib/policy/overrides.ts): ListParents from the account up to the root,
 * returned outermost first. Kept per account for an hour, since accounts move
 * between OUs rarely, and a busy Lambda then asks once per account an hour.
 *
 * A failed look-up (no Organizations access: the central account is neither
 * the management account nor a delegated administrator) returns undefined,
 * and the policy's static `organizationalUnits:` map is used instead. The
 * failure is told once per account an hour, so that it is not silent.
 */
import { ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';

const TTL_MS = 3_600_000;
/** Organizations nests OUs at most 5 deep under the root. */
const MAX_DEPTH = 6;

export interface OuPathOptions {
  client?: OrganizationsClient;
  now?: () => number;
  onFailure?: (account: string, message: string) => void;
}

export function organizationOuPaths(opts: OuPathOptions = {}): (account: string) => Promise<string[] | undefined> {
  // Organizations is a global service, served from us-east-1 in the aws partition.
  const client = opts.client ?? new OrganizationsClient({ region: 'us-east-1', maxAttempts: 3 });
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; path: Promise<string[] | undefined> }>();

  const lookUp = async (account: string): Promise<string[] | undefined> => {
    const path: string[] = [];
    let child = account;
    try {
      for (let depth = 0; depth < MAX_DEPTH; depth++) {
        const out = await client.send(new ListParentsCommand({ ChildId: child }));
        const parent = out.Parents?.[0];
        if (!parent?.Id || parent.Type === 'ROOT') break;
        path.unshift(parent.Id);
        child = parent.Id;
      }
      return path;
    } catch (err) {
      const e = err as { name?: string; message?: string };
      opts.onFailure?.(account, `cannot read the OUs of account ${account} from Organizations (${e.name ?? 'Error'}: ${e.message ?? String(err)}); using the policy's organizationalUnits: map`);
      return undefined;
    }
  };

  return (account) => {
    const hit = cache.get(account);
    if (hit && now() - hit.at < TTL_MS) return hit.path;
    const path = lookUp(account);
    cache.set(account, { at: now(), path });
    return path;
  };
}
