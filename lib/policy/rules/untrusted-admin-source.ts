/** untrusted-admin-source: ingress from a public (not world, not trusted) source to an admin port. */
import { portsIncluded, type PortProtocol } from '../../net/ports';
import { portsPhrase, publicPhrase } from './phrases';
import type { RuleChangeCheck } from './types';

const TCP: readonly PortProtocol[] = ['tcp'];

export const untrustedAdminSource: RuleChangeCheck<'untrusted-admin-source'> = {
  id: 'untrusted-admin-source',
  scope: 'rule',
  why: 'An admin port is reachable from a public address outside the trusted CIDRs; whoever holds that address (now or later) can try to log in.',
  match(s) {
    const j = s.ingress ? s.cidr() : undefined;
    if (j?.class !== 'public') return undefined;
    const admin = portsIncluded(s.rule, TCP, s.policy.adminPorts);
    if (admin.length === 0) return undefined;
    return `${portsPhrase(s.rule, admin)} open to ${publicPhrase(j, s.cidrText!)}, which is not in trustedCidrs: admin access should come only from trusted networks (VPN, office, bastion).`;
  },
};
