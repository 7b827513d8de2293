/**
 * The pipeline over the DynamoDB store on a real dynalite server (and the
 * memory store for the cheap cases), with recording notifiers/remediator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedStore, type EmbeddedStore } from '../../lib/store/embedded';
import { createMemoryStore } from '../../lib/store/memory';
import { PipelineError, runPipeline, type PipelineDeps } from '../../lib/pipeline/run';
import type { PipelineConfig } from '../../lib/pipeline/config';
import type { ChangeStore } from '../../lib/pipeline/ports';
import type { Result } from '../../lib/model';
import { RecordingNotifier, RecordingRemediator } from './fakes';
import { ACCOUNT, SELF_ROLE_ARN, compliant, finding, violation } from './builders';

let embedded: EmbeddedStore;
beforeAll(async () => {
  embedded = await startEmbeddedStore({ inMemory: true, tableName: 'pipeline-test' });
});
afterAll(async () => embedded?.close());

let sns: RecordingNotifier;
let slack: RecordingNotifier;
let remediator: RecordingRemediator;
let seq = 0;
/** A unique event id per test: the dynalite table is shared by the file. */
const uid = (s: string) => `${s}-${++seq}`;

beforeEach(() => {
  sns = new RecordingNotifier('sns');
  slack = new RecordingNotifier('slack');
  remediator = new RecordingRemediator();
});

function deps(over: Partial<PipelineConfig> = {}, store: ChangeStore = embedded.store): PipelineDeps {
  return {
    store,
    notifiers: { sns, slack },
    remediator,
    config: { mode: 'enforce', minAlertSeverity: 'medium', selfRoleArns: [SELF_ROLE_ARN], retentionDays: 400, ...over },
    clock: () => new Date('2024-05-01T10:00:05Z'),
  };
}

describe('runPipeline on dynalite', () => {
  it('the same event twice gives one record, one alert per channel and one revoke', async () => {
    const id = uid('dup');
    const result = violation({ eventId: id });
    const first = await runPipeline(result, deps());
    const second = await runPipeline(structuredClone(result), deps());
    expect(first.status).toBe('stored');
    expect(second.status).toBe('duplicate');
    expect(sns.sent).toHaveLength(1);
    expect(slack.sent).toHaveLength(1);
    expect(remediator.calls).toHaveLength(1);
    expect(second.steps.notifySlack).toMatchObject({ state: 'done', alreadyDone: true });
    expect(second.steps.remediate).toMatchObject({ state: 'done', alreadyDone: true });
    const stored = await embedded.store.get(id);
    expect(stored?.steps).toMatchObject({ notifySns: { state: 'done', attempts: 1 }, notifySlack: { state: 'done', attempts: 1 }, remediate: { state: 'done', attempts: 1 } });
    expect(stored?.expiresAt).toBe(Math.floor(Date.parse('2024-05-01T10:00:05Z') / 1000) + 400 * 86_400);
  });

  it('two concurrent deliveries of one event still alert once per channel and revoke once', async () => {
    const result = violation({ eventId: uid('concurrent') });
    const settled = await Promise.allSettled([runPipeline(result, deps()), runPipeline(structuredClone(result), deps())]);
    expect(settled.some((s) => s.status === 'fulfilled')).toBe(true);
    expect(sns.sent).toHaveLength(1);
    expect(slack.sent).toHaveLength(1);
    expect(remediator.calls).toHaveLength(1);
  });

  it('a Slack outage fails the run and records it; the retry sends only Slack', async () => {
    const id = uid('outage');
    slack.failures = 1;
    const err = await runPipeline(violation({ eventId: id }), deps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).failures.map((f) => f.step)).toEqual(['notifySlack']);
    // Independent steps still ran.
    expect(sns.sent).toHaveLength(1);
    expect(remediator.calls).toHaveLength(1);
    const failed = await embedded.store.get(id);
    expect(failed?.steps.notifySlack).toMatchObject({ state: 'failed', attempts: 1 });
    expect(failed?.steps.notifySlack?.detail).toMatch(/HTTP 503/);
    expect(failed?.steps.notifySlack?.detail).not.toMatch(/SECRETSECRET/);

    const retry = await runPipeline(violation({ eventId: id }), deps());
    expect(retry.status).toBe('duplicate');
    expect(slack.sent).toHaveLength(1);
    expect(slack.calls).toBe(2);
    expect(sns.sent).toHaveLength(1);
    expect(remediator.calls).toHaveLength(1);
    expect((await embedded.store.get(id))?.steps.notifySlack).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('enforce revokes exactly the planned rule ids, and the alert says revoked', async () => {
    const id = uid('enforce');
    const result = violation({ eventId: id, rules: [{ ...violation().change!.rules[0], ruleId: 'sgr-bad' }, { ...violation().change!.rules[0], ruleId: 'sgr-fine', source: { kind: 'cidr4', cidr: '10.0.0.0/8' } }] }, { revoke: ['sgr-bad'] });
    const out = await runPipeline(result, deps());
    expect(remediator.calls).toEqual([{ eventId: id, ruleIds: ['sgr-bad'], permissions: 0 }]);
    expect(out.remediation).toMatchObject({ status: 'revoked', ruleIds: ['sgr-bad'] });
    expect(slack.sent[0].remediation?.status).toBe('revoked');
    expect(slack.sent[0].reason).toBe('violation');
    expect((await embedded.store.get(id))?.remediation?.status).toBe('revoked');
  });

  it('a rule already gone is a successful remediation, recorded as already-gone', async () => {
    const id = uid('gone');
    remediator.behaviour = 'already-gone';
    const out = await runPipeline(violation({ eventId: id }), deps());
    expect(out.steps.remediate?.state).toBe('done');
    expect((await embedded.store.get(id))?.remediation).toMatchObject({ status: 'already-gone', ruleIds: ['sgr-0aaa'] });
    expect(sns.sent[0].reason).toBe('violation');
  });

  it('a failed revoke is recorded, alerted as remediation-failed, and the run throws; the retry revokes but does not re-alert', async () => {
    const id = uid('revoke-fails');
    remediator.behaviour = 'throw';
    const err = await runPipeline(violation({ eventId: id }), deps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).failures.map((f) => f.step)).toEqual(['remediate']);
    expect(slack.sent.map((a) => a.reason)).toEqual(['remediation-failed']);
    expect(sns.sent.map((a) => a.remediation?.status)).toEqual(['failed']);
    const stored = await embedded.store.get(id);
    expect(stored?.steps.remediate).toMatchObject({ state: 'failed', attempts: 1 });
    expect(stored?.steps.remediate?.detail).toMatch(/UnauthorizedOperation/);
    expect(stored?.remediation?.status).toBe('failed');

    remediator.behaviour = 'revoke';
    await runPipeline(violation({ eventId: id }), deps());
    expect(remediator.calls).toHaveLength(2);
    expect(slack.sent).toHaveLength(1);
    expect((await embedded.store.get(id))?.steps.remediate).toMatchObject({ state: 'done', attempts: 2 });
    expect((await embedded.store.get(id))?.remediation?.status).toBe('revoked');
  });

  it('loop guard: sgwatch\'s own revoke is linked both ways, not alerted, never remediated', async () => {
    const originalId = uid('orig');
    const groupId = `sg-${originalId}`;
    await runPipeline(violation({ eventId: originalId, groupId }, { revoke: ['sgr-loop'] }), deps());
    expect(remediator.calls).toHaveLength(1);
    const revokeId = uid('self-revoke');
    const selfRevoke: Result = {
      source: 'test#self',
      change: {
        ...violation().change!,
        eventId: revokeId,
        eventName: 'RevokeSecurityGroupIngress',
        eventTime: '2024-05-01T10:03:00Z',
        kind: 'revoke',
        groupId,
        rules: [],
        ruleIds: ['sgr-loop'],
        actor: {
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/sgwatch-dev-us-east-1-lambdaRole/sgwatch-dev-onChange`,
          roleArn: SELF_ROLE_ARN,
          type: 'AssumedRole',
          via: 'sdk',
        },
      },
      // Even if a policy found something on it, sgwatch's own revoke is not acted upon.
      verdict: { outcome: 'violation', severity: 'high', findings: [finding('untrusted-account-reference', 'high', 'revoke')], exceptions: [], remediation: { mode: 'enforce', action: 'revoke', ruleIds: ['sgr-loop'], permissions: [] } },
    };
    const out = await runPipeline(selfRevoke, deps());
    await runPipeline(structuredClone(selfRevoke), deps());
    expect(out.selfAction).toEqual({ action: 'remediation', label: "sgwatch's own revoke", of: originalId });
    expect(out.alert.send).toBe(false);
    expect(remediator.calls).toHaveLength(1);
    expect(sns.sent).toHaveLength(1); // the original's alert only
    expect(slack.sent).toHaveLength(1);
    expect((await embedded.store.get(revokeId))?.links).toEqual({ remediationOf: originalId });
    expect((await embedded.store.get(originalId))?.links).toEqual({ remediatedBy: revokeId });
    // Someone else's revoke of the same rule is just a change.
    const human = await runPipeline({ ...structuredClone(selfRevoke), change: { ...structuredClone(selfRevoke.change!), eventId: uid('human'), actor: { arn: `arn:aws:iam::${ACCOUNT}:user/bob`, via: 'console' } }, verdict: compliant().verdict }, deps());
    expect(human.selfAction).toBeUndefined();
  });

  it('loop guard: a revoke seen before its original is linked by its redelivery, with one look-up per delivery', async () => {
    const store = createMemoryStore();
    let lookups = 0;
    const counted: ChangeStore = { ...store, history: (groupId, query) => (lookups++, store.history(groupId, query)) };
    const originalId = 'early-orig';
    const selfRevoke: Result = {
      source: 'test#early-self',
      change: {
        ...violation().change!,
        eventId: 'early-self',
        eventName: 'RevokeSecurityGroupIngress',
        eventTime: '2024-05-01T10:03:00Z',
        kind: 'revoke',
        rules: [],
        ruleIds: ['sgr-early'],
        actor: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/sgwatch-dev-us-east-1-lambdaRole/s`, roleArn: SELF_ROLE_ARN, type: 'AssumedRole', via: 'sdk' },
      },
      verdict: compliant().verdict,
    };
    const first = await runPipeline(selfRevoke, deps({}, counted));
    expect(first.selfAction).toMatchObject({ action: 'remediation', of: undefined });
    expect(lookups).toBe(1);
    await runPipeline(violation({ eventId: originalId }, { revoke: ['sgr-early'] }), deps({}, counted));
    lookups = 0;
    const redelivered = await runPipeline(structuredClone(selfRevoke), deps({}, counted));
    expect(redelivered).toMatchObject({ status: 'duplicate', selfAction: { action: 'remediation', of: originalId }, alert: { send: false } });
    expect(lookups).toBe(1);
    expect((await store.get('early-self'))?.links).toEqual({ remediationOf: originalId });
    expect((await store.get(originalId))?.links).toEqual({ remediatedBy: 'early-self' });
    expect(remediator.calls).toHaveLength(1);
  });

  it("loop guard trusts only sgwatch's own actions: an Authorize by sgwatch's role is judged, alerted and remediated like any change", async () => {
    const before = remediator.calls.length;
    const out = await runPipeline(
      violation({ eventId: uid('self-authorize'), kind: 'authorize', actor: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/sgwatch-dev-us-east-1-lambdaRole/x`, roleArn: SELF_ROLE_ARN, type: 'AssumedRole', via: 'sdk' } }),
      deps(),
    );
    expect(out.selfAction).toBeUndefined();
    expect(out.alert.send).toBe(true);
    expect(remediator.calls.length).toBe(before + 1);
  });

  it('a role of the same name in another account is not sgwatch', async () => {
    const out = await runPipeline(
      { ...violation({ eventId: uid('other-account'), kind: 'revoke', actor: { arn: 'arn:aws:sts::999988887777:assumed-role/sgwatch-dev-us-east-1-lambdaRole/x', via: 'sdk' } }), verdict: compliant().verdict },
      deps(),
    );
    expect(out.selfAction).toBeUndefined();
  });

  it('dry-run records and alerts "would revoke" and calls no EC2', async () => {
    const id = uid('dry');
    const out = await runPipeline(violation({ eventId: id, groupId: 'sg-0123456789abcdef0' }, { mode: 'dry-run', revoke: ['sgr-0aaaaaaaaaaaaaaa1'] }), deps({ mode: 'dry-run' }));
    expect(remediator.calls).toHaveLength(0);
    expect(out.remediation).toMatchObject({ status: 'would-revoke', ruleIds: ['sgr-0aaaaaaaaaaaaaaa1'], detail: 'dry-run: would revoke sgr-0aaaaaaaaaaaaaaa1' });
    expect(slack.sent[0].remediation?.status).toBe('would-revoke');
    const stored = await embedded.store.get(id);
    expect(stored?.remediation?.status).toBe('would-revoke');
    expect(stored?.steps.remediate?.state).toBe('skipped');
  });

  it('dry-run plans exactly what enforce would do: a malformed id enforce refuses is not "would revoke"', async () => {
    const out = await runPipeline(violation({ eventId: uid('dry-bad'), groupId: 'sg-0123456789abcdef0' }, { mode: 'dry-run', revoke: ['sgr-0aaa'] }), deps({ mode: 'dry-run' }));
    expect(out.remediation).toMatchObject({ status: 'alert-only', ruleIds: [], detail: 'dry-run: enforce would not revoke: cannot revoke: malformed rule id(s) "sgr-0aaa"' });
    expect(out.steps.remediate?.state).toBe('skipped');
  });

  it('an exception or alert-only actor (plan action none) is alerted as alert only, never revoked', async () => {
    const id = uid('alert-only');
    const result = violation({ eventId: id });
    result.verdict.remediation = { mode: 'enforce', action: 'none', ruleIds: [], permissions: [], reason: 'actor arn:aws:iam::1:role/terraform is alert-only' };
    const out = await runPipeline(result, deps());
    expect(remediator.calls).toHaveLength(0);
    expect(out.remediation).toMatchObject({ status: 'alert-only', detail: expect.stringMatching(/terraform/) });
    expect(sns.sent[0].remediation?.status).toBe('alert-only');
  });

  it('compliant changes are stored, not alerted, not remediated', async () => {
    const id = uid('ok');
    const out = await runPipeline(compliant({ eventId: id }), deps());
    expect(out).toMatchObject({ status: 'stored', alert: { send: false } });
    expect(sns.sent).toHaveLength(0);
    expect(slack.sent).toHaveLength(0);
    expect(remediator.calls).toHaveLength(0);
    expect((await embedded.store.get(id))?.result.verdict.outcome).toBe('compliant');
  });
});

describe('runPipeline decisions (memory store)', () => {
  it('mode off: alert says alert only, nothing revoked', async () => {
    const out = await runPipeline(violation({ eventId: 'off-1' }), deps({ mode: 'off' }, createMemoryStore()));
    expect(remediator.calls).toHaveLength(0);
    expect(out.remediation?.status).toBe('alert-only');
    expect(sns.sent).toHaveLength(1);
  });

  it('minimum severity: a violation below it is stored but not alerted; at it, alerted', async () => {
    const store = createMemoryStore();
    const low = await runPipeline(violation({ eventId: 'low-1' }, { severity: 'low', revoke: [], rule: 'undocumented-rule' }), deps({ minAlertSeverity: 'high' }, store));
    expect(low.alert).toMatchObject({ send: false, why: expect.stringMatching(/below/) });
    expect(await store.get('low-1')).toBeDefined();
    await runPipeline(violation({ eventId: 'high-1' }, { severity: 'high', revoke: [], rule: 'public-high-risk-port' }), deps({ minAlertSeverity: 'high' }, store));
    expect(sns.sent.map((a) => a.record.eventId)).toEqual(['high-1']);
  });

  it('a denied change attempt is alerted whatever its severity, and never remediated', async () => {
    const c = violation({ eventId: 'denied-1', error: { code: 'Client.UnauthorizedOperation', denied: true } }).change!;
    const result: Result = {
      source: 'x',
      change: c,
      verdict: { outcome: 'failed-call', severity: 'medium', findings: [finding('denied-change-attempt', 'medium')], exceptions: [], remediation: { mode: 'enforce', action: 'none', ruleIds: [], permissions: [] } },
    };
    const out = await runPipeline(result, deps({ minAlertSeverity: 'critical' }, createMemoryStore()));
    expect(out.alert).toEqual({ send: true, reason: 'denied-change-attempt' });
    expect(remediator.calls).toHaveLength(0);
  });

  it('ignored records are not stored; invalid ones are logged, not stored, and do not throw', async () => {
    const store = createMemoryStore();
    const warnings: unknown[] = [];
    const logger = { info: () => undefined, error: () => undefined, warn: (m: string, e?: unknown) => warnings.push([m, e]) };
    const ignored: Result = { source: 'a#0', ignored: { reason: 'RunInstances', eventId: 'i-1' }, verdict: { ...compliant().verdict, outcome: 'ignored' } };
    const invalid: Result = { source: 'a#1', verdict: { ...compliant().verdict, outcome: 'invalid' }, error: 'a#1: not a CloudTrail record' };
    expect((await runPipeline(ignored, { ...deps({}, store), logger })).status).toBe('ignored');
    expect((await runPipeline(invalid, { ...deps({}, store), logger })).status).toBe('invalid');
    expect(store.size()).toBe(0);
    expect(JSON.stringify(warnings)).toMatch(/not a CloudTrail record/);
  });

  it('enforce without a remediator fails loudly instead of silently not revoking', async () => {
    const d = { ...deps({}, createMemoryStore()), remediator: undefined };
    await expect(runPipeline(violation({ eventId: 'no-rem' }), d)).rejects.toThrow(/no remediator/);
    expect(sns.sent[0].reason).toBe('remediation-failed');
  });
});

describe('the allow-list of accounts (organisation-wide, orgAccounts)', () => {
  const OTHER = '999988887777';
  it('a change of an account outside it is kept, never remediated, and alerted once per account; the allowed ones run as usual', async () => {
    const allow = { allowedAccounts: [ACCOUNT, '444455556666'] };
    const first = violation({ eventId: uid('unknown-acct'), account: OTHER, groupId: 'sg-0aaa0000000000001' }, { revoke: ['sgr-0aaa'] });
    const out = await runPipeline(first, deps(allow));
    expect(out.status).toBe('stored');
    expect(out.steps.remediate).toEqual({ state: 'skipped', detail: `account ${OTHER} is not in the allow-list (orgAccounts): never looked up or remediated` });
    expect(remediator.calls).toHaveLength(0);
    expect(slack.sent.map((a) => a.reason)).toEqual(['unknown-account']);
    expect(sns.sent).toHaveLength(1);
    expect(out.alert).toEqual({ send: true, reason: 'unknown-account' });
    // The change itself is kept, in its group's history; the marker is in no index.
    expect((await embedded.store.get(first.change.eventId))?.result.change?.account).toBe(OTHER);
    const history = await embedded.store.history('sg-0aaa0000000000001');
    expect(history.map((r) => r.eventId)).toContain(first.change.eventId);
    expect(history.map((r) => r.eventId)).not.toContain(`unknown-account#${OTHER}`);
    expect((await embedded.store.get(`unknown-account#${OTHER}`))?.marker).toBe('unknown-account');

    // A later change of the same account (and a redelivery): no second alert.
    const later = await runPipeline(violation({ eventId: uid('unknown-acct-2'), account: OTHER }, { revoke: ['sgr-0bbb'] }), deps(allow));
    await runPipeline(structuredClone(first), deps(allow));
    expect(slack.sent).toHaveLength(1);
    expect(later.alert).toMatchObject({ send: false, why: expect.stringContaining('alerted once already') });
    expect(remediator.calls).toHaveLength(0);

    // An allowed account runs as before: revoked and alerted.
    await runPipeline(violation({ eventId: uid('allowed-acct'), account: '444455556666' }, { revoke: ['sgr-0ccc'] }), deps(allow));
    expect(remediator.calls).toHaveLength(1);
    expect(slack.sent.map((a) => a.reason)).toEqual(['unknown-account', 'violation']);
  });
});
