/** public-admin-port: ingress from the world to an admin port (tcp, or a -1 range including it). */
import { portsIncluded, type PortProtocol } from '../../net/ports';
import { portsPhrase, worldPhrase } from './phrases';
import type { RuleChangeCheck } from './types';

const TCP: readonly PortProtocol[] = ['tcp'];

export const publicAdminPort: RuleChangeCheck<'public-admin-port'> = {
  id: 'public-admin-port',
  scope: 'rule',
  why: 'Remote administration (SSH/RDP) open to the internet is brute-forced within minutes of exposure and is the most common way instances are taken over.',
  match(s) {
    const j = s.ingress ? s.cidr() : undefined;
    if (j?.class !== 'world') return undefined;
    const admin = portsIncluded(s.rule, TCP, s.policy.adminPorts);
    if (admin.length === 0) return undefined;
    return `${portsPhrase(s.rule, admin)} open to ${worldPhrase(j, s.cidrText!)}: anyone can try to log in, and attackers scan the internet for open admin ports within minutes. Use a VPN, a bastion or SSM Session Manager instead.`;
  },
};
