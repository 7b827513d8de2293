/**
 * The account of the credentials in use (STS GetCallerIdentity), for the
 * CLI's remediator guard: `sgwatch replay --remediate enforce` revokes only
 * in the account its credentials belong to, as the Lambda does in its own.
 * IAM: none (GetCallerIdentity needs no permission).
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ACCOUNT_ID } from '../aws-ids';


/** The caller's 12-digit account id; throws when STS cannot be asked or answers something else. */
export async function callerAccount(client: STSClient = new STSClient({ maxAttempts: 3 })): Promise<string> {
  const out = await client.send(new GetCallerIdentityCommand({}));
  const account = out.Account ?? '';
  if (!ACCOUNT_ID.test(account)) throw new Error(`STS GetCallerIdentity answered account ${JSON.stringify(out.Account ?? null)}, not a 12-digit account id`);
  return account;
}
