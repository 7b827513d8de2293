/** public-high-risk-port: ingress from the world, a tcp/udp range including a high-risk port. */
import { portsIncluded, type PortProtocol } from '../../net/ports';
import { portsPhrase, worldPhrase } from './phrases';
import type { RuleChangeCheck } from './types';

const TCP_UDP: readonly PortProtocol[] = ['tcp', 'udp'];

export const publicHighRiskPort: RuleChangeCheck<'public-high-risk-port'> = {
  id: 'public-high-risk-port',
  scope: 'rule',
  why: 'This port usually carries a database, cache, file-sharing or plain-text service that scanners look for and exploit when it is reachable from the internet.',
  match(s) {
    const j = s.ingress ? s.cidr() : undefined;
    if (j?.class !== 'world') return undefined;
    const risky = portsIncluded(s.rule, TCP_UDP, s.policy.highRiskPorts);
    if (risky.length === 0) return undefined;
    return `${portsPhrase(s.rule, risky)} open to ${worldPhrase(j, s.cidrText!)}: databases, caches and remote-admin services like these are prime targets (data theft, ransomware) and should never face the internet.`;
  },
};
