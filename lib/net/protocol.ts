/**
 * IP protocols as security-group rules name them. CloudTrail carries the
 * protocol as the caller wrote it: `tcp`, `TCP`, `6`, `-1`, `all`, `icmpv6`, `58`.
 * sgwatch speaks one lower-case name per protocol.
 */
const BY_NUMBER: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

/** `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (every protocol), or another protocol number as text. */
export function normaliseProtocol(raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') return '-1';
  const text = String(raw).trim().toLowerCase();
  if (text === '-1' || text === 'all') return '-1';
  // Own properties only: record text such as `constructor` must not reach Object.prototype.
  return Object.hasOwn(BY_NUMBER, text) ? BY_NUMBER[text]! : text;
}

/** Protocols whose from/to ports are ports (not ICMP type/code). */
export function hasPorts(protocol: string): boolean {
  return protocol === 'tcp' || protocol === 'udp';
}

export function isIcmp(protocol: string): boolean {
  return protocol === 'icmp' || protocol === 'icmpv6';
}
