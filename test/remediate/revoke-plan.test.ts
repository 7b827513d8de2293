/**
 * The revoke planner (lib/remediate/revoke-plan.ts), without EC2: every
 * combination of event direction, judged direction, id in the change or not,
 * and what the look-up found; every gate; the outcome's precedence.
 */
import { describe, expect, it } from 'vitest';
import type { Direction, RemediationMode } from '../../lib/model';
import {
  gateRevoke,
  newTally,
  notFoundInJudgedDirection,
  permissionCalls,
  routeIds,
  changedSinceEvent,
  dryRunOutcome,
  routeCurrent,
  summarise,
} from '../../lib/remediate/revoke-plan';
import { change, GROUP_ID, plan, rule } from '../alerts/builders';

const ID = 'sgr-0aaaaaaaaaaaaaaa1';
const OTHER = 'sgr-0bbbbbbbbbbbbbbb2';
const DIRS: Direction[] = ['ingress', 'egress'];
const EVENTS = [
  ['AuthorizeSecurityGroupIngress', 'ingress'],
  ['AuthorizeSecurityGroupEgress', 'egress'],
  ['ModifySecurityGroupRules', undefined],
] as const;

describe('gateRevoke: no EC2 call unless enforce + revoke on a well-formed plan', () => {
  it.each<[string, Parameters<typeof gateRevoke>[0], Parameters<typeof gateRevoke>[1], object]>([
    ['action none', change(), plan({ action: 'none', ruleIds: [] }), { status: 'none' }],
    ['alert-only reason', change(), plan({ action: 'none', ruleIds: [], reason: 'terraform' }), { status: 'alert-only', detail: 'terraform' }],
    ['mode off', change(), plan({ mode: 'off' }), { status: 'alert-only', detail: 'remediation mode is off' }],
    ['dry-run, one rule', change(), plan({ mode: 'dry-run' }), { status: 'would-revoke', ruleIds: [ID], detail: `dry-run: would revoke ${ID}` }],
    ['dry-run, id + permission', change({ eventTime: new Date().toISOString() }), plan({ mode: 'dry-run', permissions: [{ direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } }] }), { detail: `dry-run: would revoke ${ID} and 1 permission(s) without rule id` }],
    ['unknown mode', change(), plan({ mode: 'enforc' as RemediationMode }), { status: 'failed', detail: 'unknown remediation mode "enforc"' }],
    ['no group id', change({ groupId: undefined }), plan(), { status: 'failed', detail: expect.stringMatching(/no valid group id/) }],
    ['malformed group id', change({ groupId: 'sg-x; rm -rf' }), plan(), { status: 'failed', detail: expect.stringMatching(/no valid group id/) }],
    ['failed call', change({ error: { code: 'Client.UnauthorizedOperation', denied: true } as never }), plan(), { status: 'failed', detail: expect.stringMatching(/the call failed/) }],
    ['malformed rule id', change(), plan({ ruleIds: [ID, 'sgr-*'] }), { status: 'failed', detail: 'cannot revoke: malformed rule id(s) "sgr-*"' }],
    ['empty plan', change(), plan({ ruleIds: [] }), { status: 'failed', detail: expect.stringMatching(/names no rule id or permission/) }],
  ])('%s', (_n, c, p, expected) => {
    const gate = gateRevoke(c, p);
    expect('outcome' in gate && gate.outcome).toMatchObject({ mode: p.mode, permissionsRevoked: 0, ...expected });
  });

  it('lets a well-formed enforce plan through, naming the group', () => {
    expect(gateRevoke(change(), plan())).toEqual({ groupId: GROUP_ID });
  });
});

describe('dryRunOutcome: exactly what enforce would do, said instead of done', () => {
  /** A clock a minute after the builders' eventTime (2024-05-01T12:00:00Z), unless told otherwise. */
  const dry = (c: Parameters<typeof dryRunOutcome>[0], p: Partial<Parameters<typeof dryRunOutcome>[1]> = {}, now = Date.parse('2024-05-01T12:01:00Z')) => dryRunOutcome(c, plan({ mode: 'dry-run', ...p }), now);
  it.each<[string, Parameters<typeof dryRunOutcome>[0], Partial<Parameters<typeof dryRunOutcome>[1]>]>([
    ['malformed id', change(), { ruleIds: [ID, 'sgr-*'] }],
    ['no group id', change({ groupId: undefined }), {}],
    ['failed call', change({ error: { code: 'Client.UnauthorizedOperation', denied: true } as never }), {}],
    ['only a permission enforce cannot build', change(), { ruleIds: [], permissions: [{ direction: 'ingress', protocol: 'tcp', fromPort: null, toPort: null, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } }] }],
  ])('%s: enforce refuses, so dry-run does not say "would revoke"', (_n, c, p) => {
    const d = dry(c, p);
    const e = gateRevoke(c, plan(p));
    expect(d.status).toBe('alert-only');
    expect('outcome' in e && e.outcome.status).toBe('failed');
    expect(d.detail).toBe(`dry-run: enforce would not revoke: ${'outcome' in e ? e.outcome.detail : ''}`);
  });

  it('names an id of unrecorded direction as revoked only if EC2 holds it as judged', () => {
    const c = change({ eventName: 'ModifySecurityGroupRules', rules: [rule({ directionUnknown: true })] });
    expect(dry(c).detail).toBe(`dry-run: would revoke ${ID} (${ID} only if EC2 holds it as an ingress rule, as judged)`);
  });

  it('an id-less record older than an hour: dry-run says enforce would not revoke it, as enforce does', () => {
    const perm = { direction: 'ingress' as const, protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4' as const, cidr: '0.0.0.0/0' } };
    const later = Date.parse('2024-05-01T13:30:00Z');
    const only = dry(change(), { ruleIds: [], permissions: [perm] }, later);
    expect(only).toMatchObject({ status: 'alert-only', ruleIds: [] });
    expect(only.detail).toMatch(/^dry-run: enforce would not revoke: 1 permission\(s\) of a record without rule ids, 90 min after the event/);
    const mixed = dry(change(), { permissions: [perm] }, later);
    expect(mixed).toMatchObject({ status: 'would-revoke', ruleIds: [ID] });
    expect(mixed.detail).toMatch(new RegExp(`^dry-run: would revoke ${ID}; 1 permission\\(s\\) of a record without rule ids, 90 min after the event: not revoked`));
    // Within the hour, the permission is planned.
    expect(dry(change(), { ruleIds: [], permissions: [perm] }).detail).toBe('dry-run: would revoke 1 permission(s) without rule id');
  });

  it('names a permission enforce cannot build as the failure it would be, beside what it would revoke', () => {
    const d = dry(change(), { permissions: [{ direction: 'ingress', protocol: 'tcp', fromPort: null, toPort: null, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } }] });
    expect(d).toMatchObject({ status: 'would-revoke', ruleIds: [ID] });
    expect(d.detail).toBe(`dry-run: would revoke ${ID}; enforce would fail on: tcp permission without ports cannot be matched exactly`);
  });
});

describe('routeIds (current state unreadable): direction trusted from the change only when the event states it', () => {
  for (const [eventName, eventDir] of EVENTS) {
    for (const judged of DIRS) {
      for (const inChange of [true, false]) {
        it(`${eventName}, judged ${judged}, ${inChange ? 'in the change' : 'not in the change'}`, () => {
          const r = routeIds(change({ eventName, rules: [rule({ ruleId: inChange ? ID : OTHER, direction: judged })] }), [ID, ID]);
          if (inChange && eventDir === judged) {
            expect(r.byDirection[judged]).toEqual([ID]);
            expect(r.unknown).toEqual([]);
          } else {
            expect(r.unknown).toEqual([ID]);
            expect([...r.byDirection.ingress, ...r.byDirection.egress]).toEqual([]);
          }
          expect(r.judged.get(ID)).toBe(inChange ? judged : undefined);
        });
      }
    }
  }
});

describe('routeCurrent: revoked only if EC2 still holds the rule that was judged', () => {
  const judgedRule = rule({ ruleId: ID, protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } });
  const same = { direction: 'ingress' as Direction, protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4' as const, cidr: '0.0.0.0/0' } };
  const states: [string, typeof same | undefined | 'missing', 'revoke' | 'gone' | RegExp][] = [
    ['unchanged', same, 'revoke'],
    ['fixed since the event (same id, now 10.0.0.0/8)', { ...same, source: { kind: 'cidr4', cidr: '10.0.0.0/8' } }, /changed since the event \(now tcp\/22 from 10\.0\.0\.0\/8\): not revoked/],
    ['narrowed to another port', { ...same, fromPort: 443, toPort: 443 }, /changed since the event/],
    ['another protocol', { ...same, protocol: 'udp' }, /changed since the event/],
    ['now egress', { ...same, direction: 'egress' }, new RegExp(`${ID} is an egress rule but was judged as ingress: not revoked`)],
    ['gone', 'missing', 'gone'],
    ['described without a protocol', undefined, /cannot confirm/],
  ];
  it.each(states)('%s', (_n, now, expected) => {
    const c = change({ rules: [judgedRule] });
    const current = new Map(now === 'missing' ? [] : [[ID, now]]);
    const r = routeCurrent(c, [ID, ID], current as Map<string, typeof same | undefined>);
    const revokedIn = DIRS.filter((d) => r.byDirection[d].includes(ID));
    if (expected === 'revoke') expect([revokedIn, r.gone, r.refused]).toEqual([['ingress'], [], []]);
    else if (expected === 'gone') expect([revokedIn, r.gone, r.refused]).toEqual([[], [ID], []]);
    else {
      expect(revokedIn).toEqual([]);
      expect(r.refused).toEqual([expect.stringMatching(expected)]);
    }
  });

  it('an id that is not among the change\'s rules is revoked in the direction EC2 gives', () => {
    const r = routeCurrent(change({ rules: [] }), [ID], new Map([[ID, { ...same, direction: 'egress' as Direction }]]));
    expect(r.byDirection.egress).toEqual([ID]);
  });

  it('a judged direction-unknown (Modify) rule that EC2 holds as egress is never revoked', () => {
    const c = change({ eventName: 'ModifySecurityGroupRules', rules: [{ ...judgedRule, directionUnknown: true }] });
    const r = routeCurrent(c, [ID], new Map([[ID, { ...same, direction: 'egress' as Direction }]]));
    expect(r.refused).toEqual([`${ID} is an egress rule but was judged as ingress: not revoked`]);
  });
});

describe('changedSinceEvent', () => {
  const now = { direction: 'ingress' as Direction, protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4' as const, cidr: '0.0.0.0/0' } };
  it.each<[string, Parameters<typeof changedSinceEvent>[0], typeof now, boolean]>([
    ['host bits in the record', { protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '198.51.100.7/0' } }, now, false],
    ['IPv6 written long', { protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr6', cidr: '2001:0db8:0000::/32' } }, { ...now, source: { kind: 'cidr6', cidr: '2001:db8::/32' } as never }, false],
    ['-1 ignores ports', { protocol: '-1', fromPort: null, toPort: null, source: now.source }, { ...now, protocol: '-1', fromPort: -1, toPort: -1 }, false],
    ['tcp without ports is 0-65535', { protocol: 'tcp', fromPort: null, toPort: null, source: now.source }, { ...now, fromPort: 0, toPort: 65535 }, false],
    ['icmp all types', { protocol: 'icmp', fromPort: null, toPort: null, source: now.source }, { ...now, protocol: 'icmp', fromPort: -1, toPort: -1 }, false],
    ['icmp type changed', { protocol: 'icmp', fromPort: 8, toPort: 0, source: now.source }, { ...now, protocol: 'icmp', fromPort: -1, toPort: -1 }, true],
    ['same group', { protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'group', groupId: 'sg-0aaaabbbbccccdddd', ownerAccount: '999988887777' } }, { ...now, source: { kind: 'group', groupId: 'sg-0aaaabbbbccccdddd', ownerAccount: '999988887777' } as never }, false],
    ['group named only by name', { protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'group', groupName: 'legacy' } }, { ...now, source: { kind: 'group', groupId: 'sg-0aaaabbbbccccdddd' } as never }, true],
    ['prefix list replaced', { protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'prefix-list', prefixListId: 'pl-0aaa' } }, { ...now, source: { kind: 'prefix-list', prefixListId: 'pl-0bbb' } as never }, true],
    ['cidr became a group', { protocol: 'tcp', fromPort: 22, toPort: 22, source: now.source }, { ...now, source: { kind: 'group', groupId: 'sg-0aaaabbbbccccdddd' } as never }, true],
  ])('%s', (_n, judged, current, changed) => {
    expect(changedSinceEvent(judged, current) !== undefined).toBe(changed);
  });
});

describe('notFoundInJudgedDirection', () => {
  it('refuses to call an id of unrecorded direction gone, and calls gone one whose direction was recorded', () => {
    const modify = change({ eventName: 'ModifySecurityGroupRules', rules: [rule({ directionUnknown: true })] });
    expect(notFoundInJudgedDirection(modify, ID, 'ingress')).toMatch(/may be a rule of the other direction: left as is/);
    expect(notFoundInJudgedDirection(change(), ID, 'ingress')).toBeUndefined();
    expect(notFoundInJudgedDirection(modify, OTHER, 'ingress')).toBeUndefined();
  });
});

describe('permissionCalls', () => {
  it('groups exact permissions by direction and reports those it cannot build', () => {
    const out = permissionCalls([
      { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '198.51.100.7/0' } },
      { direction: 'egress', protocol: '-1', fromPort: null, toPort: null, source: { kind: 'cidr6', cidr: '::/0' } },
      { direction: 'ingress', protocol: 'tcp', fromPort: null, toPort: null, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } },
    ]);
    expect(out.byDirection.ingress).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
    expect(out.byDirection.egress).toEqual([{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }]);
    expect(out.failures).toEqual(['tcp permission without ports cannot be matched exactly']);
  });
});

describe('summarise: failed > revoked > alert-only (only refusals) > already-gone', () => {
  const t = (over: Partial<ReturnType<typeof newTally>>) => ({ ...newTally(), ...over });
  it.each([
    [t({ revokedIds: [ID], failures: ['boom'] }), 'failed', [ID]],
    [t({ revokedIds: [ID], goneIds: [OTHER] }), 'revoked', [ID]],
    [t({ revokedPermissions: 1 }), 'revoked', []],
    [t({ refused: ['x'] }), 'alert-only', []],
    [t({ refused: ['x'], goneIds: [OTHER] }), 'already-gone', [OTHER]],
    [t({ gonePermissions: 2 }), 'already-gone', []],
  ] as const)('%#', (tally, status, ids) => {
    const out = summarise(plan(), tally);
    expect(out.status).toBe(status);
    expect(out.ruleIds).toEqual(ids);
    expect(out.permissionsRevoked).toBe(tally.revokedPermissions);
  });

  it('says every part in one line', () => {
    const out = summarise(plan(), t({ revokedIds: [ID], gonePermissions: 1, refused: ['r'], failures: ['f'] }));
    expect(out.detail).toBe(`revoked ${ID}; 1 permission(s) already gone; r; FAILED: f`);
  });
});
