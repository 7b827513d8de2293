/**
 * Exposure of a group (issue 6): who can reach what it guards, from the
 * network interfaces using it. Pure: the interfaces come from an Inventory.
 *
 * - `public`: some interface using the group has a public IPv4 address
 *   (`Association.PublicIp`, on any of its private addresses) or a global
 *   IPv6 address. Internet-facing load balancers have such interfaces and count.
 * - `private`: attached, no public address.
 * - `unattached`: no interface uses the group.
 * - `unknown`: there is no inventory, or the look-up failed (with the reason).
 */
import type { Exposure } from '../model';
import type { InventoryInterface } from './inventory';

/** How many public addresses an exposure lists (the count of interfaces is always exact). */
export const EXPOSURE_ADDRESSES_SHOWN = 5;

export function exposureOf(interfaces: readonly InventoryInterface[], source: string): Exposure {
  const addresses = new Set<string>();
  let publicInterfaces = 0;
  for (const n of interfaces) {
    if (n.publicIpv4.length + n.ipv6Global.length > 0) publicInterfaces++;
    for (const a of n.publicIpv4) addresses.add(a);
    for (const a of n.ipv6Global) addresses.add(a);
  }
  const state = interfaces.length === 0 ? 'unattached' : publicInterfaces > 0 ? 'public' : 'private';
  const all = [...addresses];
  const e: Exposure = { state, interfaces: interfaces.length, publicAddresses: all.slice(0, EXPOSURE_ADDRESSES_SHOWN), publicInterfaces, source };
  if (all.length > EXPOSURE_ADDRESSES_SHOWN) e.morePublicAddresses = all.length - EXPOSURE_ADDRESSES_SHOWN;
  return e;
}

export function unknownExposure(reason: string, source?: string): Exposure {
  return { state: 'unknown', interfaces: 0, publicAddresses: [], publicInterfaces: 0, reason, ...(source ? { source } : {}) };
}

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

/**
 * The exposure in words, for people: "attached to 2 interfaces, 1 with public
 * IP 3.8.1.2", "attached to 3 interfaces, none with a public address",
 * "attached to nothing", "exposure unknown: <reason>". Raw text: each channel escapes it.
 */
export function describeExposure(e: Exposure): string {
  switch (e.state) {
    case 'unattached':
      return 'attached to nothing';
    case 'private':
      return `attached to ${plural(e.interfaces, 'interface')}, none with a public address`;
    case 'public': {
      const shown = e.publicAddresses.join(', ');
      const more = e.morePublicAddresses ? ` and ${e.morePublicAddresses} more` : '';
      const ips = e.publicAddresses.length === 1 && !more ? `public IP ${shown}` : `public IPs ${shown}${more}`;
      return `attached to ${plural(e.interfaces, 'interface')}, ${e.publicInterfaces} with ${ips}`;
    }
    case 'unknown':
      return `exposure unknown${e.reason ? `: ${e.reason}` : ''}`;
  }
}
