/**
 * The accounts of the AWS Organization that the Organization-wide audit
 * covers (lib/org/audit-run.ts): ListAccounts, every page, active accounts
 * only (a suspended or closing account has nothing to audit and no role to
 * assume). Answered only in the management account or a delegated
 * administrator; anywhere else the call is denied, and the scheduler says so.
 */
import { ListAccountsCommand, OrganizationsClient, type Account } from '@aws-sdk/client-organizations';

/** Whether an account is active: `State` (since 2025), or the older `Status` it replaces. */
const isActive = (a: Account): boolean => (a.State ?? a.Status) === 'ACTIVE';

export async function organizationAccounts(client: OrganizationsClient): Promise<string[]> {
  const ids = new Set<string>();
  let token: string | undefined;
  do {
    const out = await client.send(new ListAccountsCommand({ ...(token ? { NextToken: token } : {}) }));
    for (const a of out.Accounts ?? []) if (a.Id && isActive(a)) ids.add(a.Id);
    token = out.NextToken;
  } while (token);
  return [...ids].sort();
}
