/** public-all-ports: ingress from the world on every port (protocol -1, or tcp/udp 0-65535). */
import { opensAllPorts } from '../../net/ports';
import { groupPhrase, worldPhrase } from './phrases';
import type { RuleChangeCheck } from './types';

export const publicAllPorts: RuleChangeCheck<'public-all-ports'> = {
  id: 'public-all-ports',
  scope: 'rule',
  why: 'Every port is open to the whole internet: any service on these instances, including ones never meant to be public, can be reached and attacked.',
  match(s) {
    const j = s.ingress ? s.cidr() : undefined;
    if (j?.class !== 'world' || !opensAllPorts(s.rule)) return undefined;
    const rule = s.rule;
    const what = rule.protocol === '-1' ? 'All traffic (every protocol and port)' : `Every ${rule.protocol.toUpperCase()} port (${rule.protocol}/0-65535)`;
    return `${what} open to ${worldPhrase(j, s.cidrText!)} on ${groupPhrase(s.change)}: every service on the attached resources is reachable by anyone, including ones never meant to be exposed.`;
  },
};
