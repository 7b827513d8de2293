/** The OU path of an account from Organizations (policy overrides by OU), with Organizations mocked (no local server exists). */
import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { organizationOuPaths } from '../../lib/org/ou-path';
import { parsePolicy } from '../../lib/policy';
import { effectivePolicy } from '../../lib/policy/overrides';

const orgs = mockClient(OrganizationsClient);

describe('organizationOuPaths', () => {
  it('walks up to the root, outermost first, and asks once per account an hour', async () => {
    orgs.reset();
    orgs.on(ListParentsCommand, { ChildId: '111122223333' }).resolves({ Parents: [{ Id: 'ou-ab12-team0002', Type: 'ORGANIZATIONAL_UNIT' }] });
    orgs.on(ListParentsCommand, { ChildId: 'ou-ab12-team0002' }).resolves({ Parents: [{ Id: 'ou-ab12-prod0001', Type: 'ORGANIZATIONAL_UNIT' }] });
    orgs.on(ListParentsCommand, { ChildId: 'ou-ab12-prod0001' }).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
    let t = 0;
    const ous = organizationOuPaths({ client: new OrganizationsClient({ region: 'us-east-1' }), now: () => t });
    expect(await ous('111122223333')).toEqual(['ou-ab12-prod0001', 'ou-ab12-team0002']);
    expect(await ous('111122223333')).toEqual(['ou-ab12-prod0001', 'ou-ab12-team0002']);
    expect(orgs.commandCalls(ListParentsCommand)).toHaveLength(3);
    t = 3_600_001;
    await ous('111122223333');
    expect(orgs.commandCalls(ListParentsCommand)).toHaveLength(6);
  });

  it('without Organizations access: undefined (the static map is used), and the failure is told', async () => {
    orgs.reset();
    orgs.on(ListParentsCommand).rejects(Object.assign(new Error('You don’t have permissions to access this resource.'), { name: 'AccessDeniedException' }));
    const told: string[] = [];
    const ous = organizationOuPaths({ client: new OrganizationsClient({ region: 'us-east-1' }), onFailure: (_a, m) => told.push(m) });
    expect(await ous('111122223333')).toBeUndefined();
    expect(told).toEqual([expect.stringContaining("cannot read the OUs of account 111122223333 from Organizations (AccessDeniedException")]);
    const policy = parsePolicy('organizationalUnits:\n  ou-ab12-prod0001: ["111122223333"]\noverrides:\n  ou-ab12-prod0001:\n    remediationMode: "off"\n', 'p.yml');
    expect(effectivePolicy(policy, '111122223333', await ous('111122223333')).applied).toEqual(['ou-ab12-prod0001']);
    expect(effectivePolicy(policy, '111122223333', ['ou-ab12-other001']).applied).toEqual([]);
  });
});
