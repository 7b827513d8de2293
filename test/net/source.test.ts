import { describe, expect, it } from 'vitest';
import { CidrClassifier } from '../../lib/net/cidr';
import { classifySource, type SourceContext } from '../../lib/net/source';

const ctx: SourceContext = {
  account: '111122223333',
  trustedAccounts: new Set(['444455556666']),
  trusted: new CidrClassifier(['203.0.113.0/24']),
};

describe('classifySource', () => {
  it.each([
    [{ kind: 'cidr4', cidr: '0.0.0.0/0' }, 'world'],
    [{ kind: 'cidr6', cidr: '::/0' }, 'world'],
    [{ kind: 'cidr4', cidr: '198.51.100.9/32' }, 'public'],
    [{ kind: 'cidr4', cidr: '203.0.113.9/32' }, 'trusted'],
    [{ kind: 'cidr4', cidr: '10.0.0.0/16' }, 'private'],
    [{ kind: 'cidr4', cidr: '10.0.0.0/99' }, 'invalid'],
    [{ kind: 'group', groupId: 'sg-1' }, 'group-own'], // no owner: the event's account
    [{ kind: 'group', groupId: 'sg-1', ownerAccount: '111122223333' }, 'group-own'],
    [{ kind: 'group', groupId: 'sg-1', ownerAccount: '444455556666' }, 'group-trusted'],
    [{ kind: 'group', groupId: 'sg-1', ownerAccount: '999988887777' }, 'group-foreign'],
    [{ kind: 'prefix-list', prefixListId: 'pl-1' }, 'prefix-list'],
    [undefined, 'invalid'],
  ] as const)('%j → %s', (source, expected) => {
    expect(classifySource(source, ctx)).toBe(expected);
  });

  it('accepts plain lists for trusted accounts and CIDRs', () => {
    const plain: SourceContext = { account: '111122223333', trustedAccounts: ['444455556666'], trusted: ['203.0.113.0/24'] };
    expect(classifySource({ kind: 'group', groupId: 'sg-1', ownerAccount: '444455556666' }, plain)).toBe('group-trusted');
    expect(classifySource({ kind: 'cidr4', cidr: '203.0.113.0/25' }, plain)).toBe('trusted');
  });
});
