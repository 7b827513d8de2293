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
  routeLookedUp,
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
    ['dry-run, one rule', change(), plan({ mode: 'dry-run' }), { status: 'would-revoke', ruleIds: [ID], detail: 'dry-run: would revoke 1 rule' }],
    ['dry-run, id + permission', change(), plan({ mode: 'dry-run', permissions: [{ direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } }] }), { detail: 'dry-run: would revoke 2 rules' }],
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

describe('routeIds × routeLookedUp: every combination', () => {
  const found: (Direction | undefined)[] = ['ingress', 'egress', undefined];
  for (const [eventName, eventDir] of EVENTS) {
    for (const judged of DIRS) {
      for (const inChange of [true, false]) {
        for (const real of found) {
          it(`${eventName}, judged ${judged}, ${inChange ? 'in the change' : 'not in the change'}, EC2 says ${real ?? 'not found'}`, () => {
            const c = change({ eventName, rules: [rule({ ruleId: inChange ? ID : OTHER, direction: judged })] });
            const r = routeIds(c, [ID, ID]);
            // Trusted from the change only when the event states the direction and the id is the change's.
            const trusted = inChange && eventDir === judged;
            if (trusted) {
              expect(r.byDirection[judged]).toEqual([ID]);
              expect(r.unknown).toEqual([]);
              return;
            }
            expect(r.unknown).toEqual([ID]);
            expect([...r.byDirection.ingress, ...r.byDirection.egress]).toEqual([]);
            expect(r.judged.get(ID)).toBe(inChange ? judged : undefined);
            const l = routeLookedUp(r.unknown, new Map(real ? [[ID, real]] : []), r.judged);
            const revokedIn = DIRS.filter((d) => l.byDirection[d].includes(ID));
            if (!real) {
              expect(l.gone).toEqual([ID]);
              expect(revokedIn).toEqual([]);
            } else if (inChange && real !== judged) {
              // Never revoked as anything but what was judged.
              expect(revokedIn).toEqual([]);
              expect(l.refused).toEqual([`${ID} is an ${real} rule but was judged as ${judged}: not revoked`]);
            } else {
              expect(revokedIn).toEqual([real]);
              expect(l.gone).toEqual([]);
              expect(l.refused).toEqual([]);
            }
          });
        }
      }
    }
  }
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
