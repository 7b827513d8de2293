/**
 * Address space that is not reachable from the public internet (IANA
 * special-purpose registries, "globally reachable: false"), as CIDR text.
 *
 * Deliberately NOT listed, so they count as public: the documentation ranges
 * 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32 and 3fff::/20
 * (examples use them to stand for public addresses), 6to4 / Teredo, and
 * everything else that is routable.
 *
 * IPv4 addresses embedded in IPv6 (IPv4-mapped ::ffff:0:0/96 and the NAT64
 * well-known prefix 64:ff9b::/96) are judged by their embedded IPv4 address:
 * see EMBEDDED_V4_PREFIXES.
 */
export const NON_PUBLIC_V4: readonly string[] = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // shared address space (carrier-grade NAT)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local (incl. the instance metadata service)
  '172.16.0.0/12', // RFC 1918
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16', // RFC 1918
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved (incl. 255.255.255.255)
];

export const NON_PUBLIC_V6: readonly string[] = [
  '::/128', // unspecified
  '::1/128', // loopback
  '100::/64', // discard-only
  '64:ff9b:1::/48', // local-use IPv4/IPv6 translation
  '2001:2::/48', // benchmarking
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'fec0::/10', // site-local (deprecated)
  'ff00::/8', // multicast
];

/** /96 prefixes whose low 32 bits are an IPv4 address, judged as that address. */
export const EMBEDDED_V4_PREFIXES: readonly string[] = [
  '::ffff:0:0/96', // IPv4-mapped
  '64:ff9b::/96', // NAT64 well-known prefix
];
