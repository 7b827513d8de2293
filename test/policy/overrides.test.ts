/**
 * Policy overrides by account and OU (issue 10): validation, merge order,
 * the verdict and remediation mode they give a change, and the pipeline
 * acting on the mode of the change's account.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy, PolicyError, policyToYaml } from '../../lib/policy';
import { effectivePolicy, enforcedSomewhere } from '../../lib/policy/overrides';
import { processRecord } from '../../lib/process';
import { runPipeline } from '../../lib/pipeline/run';
import { createMemoryStore } from '../../lib/store/memory';
import { RecordingNotifier, RecordingRemediator } from '../pipeline/fakes';
import { SELF_ROLE_ARN } from '../pipeline/builders';

const ROOT = join(__dirname, '..', '..');
/** SSH from 203.0.113.10/32 (a public office address), in account 111122223333. */
const officeSsh = JSON.parse(readFileSync(join(ROOT, 'events/authorize/ssh-from-public-office-ip.json'), 'utf8'));
const inAccount = (account: string, eventId: string) => {
  const r = structuredClone(officeSsh);
  const d = r.detail ?? r;
  d.recipientAccountId = account;
  d.eventID = eventId;
  if (d.userIdentity?.accountId) d.userIdentity.accountId = account;
  if (r.account) r.account = account;
  return r;
};

const POLICY = `
adminPorts: [22]
organizationalUnits:
  ou-ab12-prod0001: [012345678901, "444455556666"]
  ou-ab12-team0002: ["444455556666"]
overrides:
  ou-ab12-prod0001:
    remediationMode: enforce
    rules:
      untrusted-admin-source: { severity: critical, remediation: revoke }
  ou-ab12-team0002:
    trustedCidrs: [198.51.100.0/24]
  "444455556666":
    trustedCidrs: [203.0.113.0/24]
    remediationMode: dry-run
`;

describe('policy overrides: validation', () => {
  it('keeps an unquoted account id with a leading zero as written, as a key and in an OU', () => {
    const p = parsePolicy('overrides:\n  012345678901:\n    remediationMode: "off"\norganizationalUnits:\n  ou-ab12-prod0001: [012345678901]\n', 'p.yml');
    expect(Object.keys(p.overrides)).toEqual(['012345678901']);
    expect(p.organizationalUnits['ou-ab12-prod0001']).toEqual(['012345678901']);
  });

  it('names the file, the key and what is wrong for a bad key, a typo and a bad OU', () => {
    const text = 'overrides:\n  "12345":\n    remediationMode: enforce\n  ou-ab12-prod0001:\n    remediationMod: enforce\n  "111122223333":\n    trustedCidrs: [0.0.0.0/0]\norganizationalUnits:\n  ou-x: ["111122223333"]\n';
    const err = (() => {
      try {
        parsePolicy(text, 'p.yml');
      } catch (e) {
        return e as PolicyError;
      }
    })();
    expect(err).toBeInstanceOf(PolicyError);
    const msg = err!.message;
    expect(msg).toContain('p.yml: overrides.12345: expected a 12-digit account id (quote it) or an OU id');
    expect(msg).toContain('unknown key "remediationMod" (did you mean "remediationMode"?)');
    expect(msg).toMatch(/overrides\.111122223333\.trustedCidrs\[0\]: "0\.0\.0\.0\/0" is wider than/);
    expect(msg).toContain('organizationalUnits.ou-x: expected an OU id like ou-ab12-cd34ef56, got "ou-x"');
  });

  it('round-trips through policy show', () => {
    const p = parsePolicy(POLICY, 'p.yml');
    const again = parsePolicy(policyToYaml(p), 'again.yml');
    expect(again.overrides).toEqual(p.overrides);
    expect(again.organizationalUnits).toEqual(p.organizationalUnits);
  });
});

describe('effectivePolicy', () => {
  const policy = parsePolicy(POLICY, 'p.yml');

  it('merges the OUs in order, then the account: lists replace, rules merge per field, the last mode wins', () => {
    const eff = effectivePolicy(policy, '444455556666');
    expect(eff.applied).toEqual(['ou-ab12-prod0001', 'ou-ab12-team0002', '444455556666']);
    expect(eff.policy.trustedCidrs).toEqual(['203.0.113.0/24']);
    expect(eff.policy.rules['untrusted-admin-source']).toEqual({ severity: 'critical', remediation: 'revoke', enabled: policy.rules['untrusted-admin-source'].enabled });
    expect(eff.policy.rules['public-admin-port']).toEqual(policy.rules['public-admin-port']);
    expect(eff.mode).toBe('dry-run');
    expect(eff.policy.overrides).toEqual({});
  });

  it('an OU path given (from Organizations) replaces the static map', () => {
    const eff = effectivePolicy(policy, '444455556666', ['ou-ab12-team0002']);
    expect(eff.applied).toEqual(['ou-ab12-team0002', '444455556666']);
    expect(eff.policy.rules['untrusted-admin-source'].severity).toBe(policy.rules['untrusted-admin-source'].severity);
  });

  it('an account no override names gets the base policy itself', () => {
    const eff = effectivePolicy(policy, '999988887777');
    expect(eff).toEqual({ policy, applied: [] });
    expect(effectivePolicy(policy, '012345678901')).toBe(effectivePolicy(policy, '012345678901'));
    expect(enforcedSomewhere(policy)).toBe(true);
  });
});

describe('overrides change the verdict and the mode of a change', () => {
  const policy = parsePolicy(POLICY, 'p.yml');

  it('the same SSH from 203.0.113.10 is a violation in one account, compliant in another, base in a third', () => {
    const prod = processRecord('prod', inAccount('012345678901', 'ev-prod'), { policy, mode: 'dry-run' });
    const team = processRecord('team', inAccount('444455556666', 'ev-team'), { policy, mode: 'dry-run' });
    const other = processRecord('other', inAccount('999988887777', 'ev-other'), { policy, mode: 'dry-run' });
    expect(prod.verdict.outcome).toBe('violation');
    expect(prod.verdict.severity).toBe('critical');
    expect(prod.verdict.remediation.mode).toBe('enforce');
    expect(team.verdict.outcome).toBe('compliant');
    expect(other.verdict.outcome).toBe('violation');
    expect(other.verdict.severity).not.toBe('critical');
    expect(other.verdict.remediation.mode).toBe('dry-run');
  });

  it('a mode ceiling (the CLI) keeps an override from raising the mode', () => {
    const prod = processRecord('prod', inAccount('012345678901', 'ev-prod2'), { policy, mode: 'dry-run', modeCeiling: 'dry-run' });
    expect(prod.verdict.remediation.mode).toBe('dry-run');
  });

  it('the pipeline revokes under the account override, and the stack off is a kill switch', async () => {
    const prod = processRecord('prod', inAccount('012345678901', 'ev-prod3'), { policy, mode: 'dry-run' });
    const run = async (mode: 'dry-run' | 'off') => {
      const remediator = new RecordingRemediator();
      const out = await runPipeline(structuredClone(prod), {
        store: createMemoryStore(),
        notifiers: { console: new RecordingNotifier('console') },
        remediator,
        config: { mode, minAlertSeverity: 'medium', selfRoleArns: [SELF_ROLE_ARN], retentionDays: 30 },
      });
      return { calls: remediator.calls.length, status: out.remediation?.status };
    };
    expect(prod.verdict.remediation.action).toBe('revoke');
    expect(await run('dry-run')).toEqual({ calls: 1, status: 'revoked' });
    expect(await run('off')).toEqual({ calls: 0, status: 'alert-only' });
  });
});
