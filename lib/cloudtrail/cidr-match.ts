/**
 * Matching a request CIDR to the CIDR AWS echoes in `securityGroupRuleSet`.
 * AWS stores the network address (`198.51.100.7/24` comes back as
 * `198.51.100.0/24`), and IPv6 text may differ in case or zero compression, so
 * compare the masked network, not the strings. Only used to attach rule ids;
 * judging CIDRs is `lib/net`'s job.
 */
import ipaddr from 'ipaddr.js';

function maskedKey(cidr: string): string | undefined {
  try {
    const [addr, bits] = ipaddr.parseCIDR(cidr.trim());
    const bytes = addr.toByteArray();
    let remaining = bits;
    for (let i = 0; i < bytes.length; i++) {
      const keep = remaining >= 8 ? 8 : remaining > 0 ? remaining : 0;
      bytes[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
      remaining -= 8;
    }
    return `${addr.kind()}:${bytes.join('.')}/${bits}`;
  } catch {
    return undefined;
  }
}

/** True when both texts denote the same network once host bits are cleared. */
export function sameCidr(a: string, b: string): boolean {
  if (a === b) return true;
  const ka = maskedKey(a);
  return ka !== undefined && ka === maskedKey(b);
}
