/**
 * public-unapproved-port: ingress from the world, a tcp/udp range not inside
 * approvedPublicPorts, when none of public-all-ports, public-admin-port and
 * public-high-risk-port fired for that rule (before exceptions: an excepted
 * admin port does not turn into an unapproved one). It must therefore stay
 * after those three in the registry.
 */
import { formatRulePorts, portRangeOf } from '../../net/ports';
import { worldPhrase } from './phrases';
import type { RuleChangeCheck } from './types';

export const publicUnapprovedPort: RuleChangeCheck<'public-unapproved-port'> = {
  id: 'public-unapproved-port',
  scope: 'rule',
  why: 'The port is open to the internet but is not on the approved public list; public exposure should be a deliberate, reviewed decision.',
  match(s) {
    const j = s.ingress ? s.cidr() : undefined;
    if (j?.class !== 'world') return undefined;
    if (s.fired('public-all-ports') || s.fired('public-admin-port') || s.fired('public-high-risk-port')) return undefined;
    if (portRangeOf(s.rule) === null || s.policy.approved.covers(s.rule)) return undefined;
    return `${formatRulePorts(s.rule)} open to ${worldPhrase(j, s.cidrText!)}, but only ${s.policy.approvedText} may be public (approvedPublicPorts): confirm the service is meant for everyone, then approve the port or narrow the source.`;
  },
};
