import { defaultPolicy, loadPolicyFile, PolicyError, policyToYaml, type Policy } from '../../lib/policy';
import { UserError } from './errors';
import { effectivePolicy, staticOusOf } from '../../lib/policy/overrides';
import { OU_ID } from '../../lib/policy/types';
import { isAccountId } from '../../lib/aws-ids';

/** Loads --policy FILE, or the built-in default; a bad file is a UserError naming file and path. */
export function resolvePolicy(file?: string): Policy {
  if (!file) return defaultPolicy();
  try {
    return loadPolicyFile(file);
  } catch (err) {
    if (err instanceof PolicyError) throw new UserError(err.message, 2);
    throw err;
  }
}

export async function policyValidateCommand(file: string): Promise<number> {
  try {
    const policy = loadPolicyFile(file);
    process.stdout.write(
      `${file}: valid policy (${policy.exceptions.length} exception${policy.exceptions.length === 1 ? '' : 's'}, ` +
        `${policy.trustedCidrs.length} trusted CIDR${policy.trustedCidrs.length === 1 ? '' : 's'}, ` +
        `${policy.trustedAccounts.length} trusted account${policy.trustedAccounts.length === 1 ? '' : 's'})\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof PolicyError) {
      process.stderr.write(`${err.message}\n`);
      // Bad input, as when replay --policy is given this file.
      return 2;
    }
    throw err;
  }
}

export interface PolicyShowOptions {
  account?: string;
  /** The account's OU path, outermost first; default: the policy's static map. */
  ous?: string[];
}

export async function policyShowCommand(file?: string, opts: PolicyShowOptions = {}): Promise<number> {
  const policy = resolvePolicy(file);
  if (opts.account === undefined) {
    if (opts.ous) throw new UserError('--ou needs --account: it names the OU path of that account', 2);
    process.stdout.write(policyToYaml(policy));
    return 0;
  }
  if (!isAccountId(opts.account)) throw new UserError(`--account: expected a 12-digit AWS account id, got ${JSON.stringify(opts.account)}`, 2);
  for (const ou of opts.ous ?? []) if (!OU_ID.test(ou)) throw new UserError(`--ou: expected an OU id like ou-ab12-cd34ef56, got ${JSON.stringify(ou)}`, 2);
  const eff = effectivePolicy(policy, opts.account, opts.ous);
  const ous = opts.ous ?? staticOusOf(policy, opts.account);
  const header =
    `# account ${opts.account}` +
    (ous.length ? `, in ${ous.join(' > ')}${opts.ous ? ' (--ou)' : ' (organizationalUnits:)'}` : ', in no OU the policy names') +
    '\n' +
    (eff.applied.length ? `# overrides applied, in order: ${eff.applied.join(', ')}\n` : '# no override applies: the base policy\n') +
    (eff.mode ? `# remediation mode: ${eff.mode} (from the overrides; the stack's own mode otherwise)\n` : "# remediation mode: the stack's own (remediationMode) or replay's --mode\n");
  // The effective policy itself: what the account is judged by, without the organisation keys that produced it.
  const { overrides: _o, organizationalUnits: _u, ...judged } = eff.policy;
  process.stdout.write(header + policyToYaml(judged as Policy));
  return 0;
}
