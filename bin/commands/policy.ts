import { defaultPolicy, loadPolicyFile, PolicyError, policyToYaml, type Policy } from '../../lib/policy';
import { UserError } from './errors';

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

export async function policyShowCommand(file?: string): Promise<number> {
  process.stdout.write(policyToYaml(resolvePolicy(file)));
  return 0;
}
