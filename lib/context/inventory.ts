/**
 * The Inventory port: what the account holds now, per (account, region),
 * as opposed to what a CloudTrail record says changed.
 *
 * One interface, several sources: a file (./inventory-file.ts: the raw JSON
 * of `aws ec2 describe-*` or sgwatch's own snapshot) and the live EC2 API
 * (./ec2-inventory.ts). Consumers (the direction and group-name look-ups today; exposure,
 * prefix lists and tag exceptions next) see only this interface, and every
 * fact they take from it names `source` (e.g. `inventory:snapshot.json`).
 *
 * Look-ups answer undefined / [] when the inventory does not hold the thing,
 * and throw only when the look-up itself fails (a live source denied or
 * throttled); callers treat a throw as "unknown", never as "absent".
 */
import type { Direction } from '../model';

/** Where a fact came from, as shown in results: `inventory:FILE`, `ec2:DescribeSecurityGroups`, ... */
export type FactSource = `inventory:${string}` | `ec2:${string}`;

export interface InventoryScope {
  account: string;
  region: string;
}

export interface InventoryGroup {
  groupId: string;
  groupName?: string;
  vpcId?: string;
  ownerId?: string;
  tags: Record<string, string>;
  /** The VPC's default group (named `default`; it cannot be renamed). */
  isDefault: boolean;
}

export type InventoryRuleSource =
  | { kind: 'cidr4'; value: string }
  | { kind: 'cidr6'; value: string }
  | { kind: 'group'; value: string }
  | { kind: 'prefix-list'; value: string };

export interface InventoryRule {
  ruleId: string;
  groupId: string;
  direction: Direction;
  /** As EC2 says it: `tcp`, `udp`, `icmp`, `-1`, or a number. */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  source?: InventoryRuleSource;
  description?: string;
  tags: Record<string, string>;
}

export interface InventoryInterface {
  interfaceId: string;
  groupIds: string[];
  /** Public IPv4 addresses associated with any of its private addresses (`Association.PublicIp`). */
  publicIpv4: string[];
  /** Its IPv6 addresses that are globally routable (not link-local, not ULA). */
  ipv6Global: string[];
  /** `interface`, `network_load_balancer`, `nat_gateway`, ... as EC2 says it. */
  interfaceType?: string;
  description?: string;
}

export interface InventoryPrefixList {
  prefixListId: string;
  name?: string;
  ownerId?: string;
  /** undefined when the inventory lists the prefix list but not its entries (describe-managed-prefix-lists alone). */
  entries?: Array<{ cidr: string; description?: string }>;
}

export interface Inventory {
  /** Named on every fact taken from this inventory. */
  readonly source: FactSource;
  group(scope: InventoryScope, groupId: string): Promise<InventoryGroup | undefined>;
  rule(scope: InventoryScope, ruleId: string): Promise<InventoryRule | undefined>;
  /** The network interfaces using the group; [] when none does (or the inventory holds no interfaces: see `knowsInterfaces`). */
  interfacesUsing(scope: InventoryScope, groupId: string): Promise<InventoryInterface[]>;
  /** True when the inventory holds the interfaces of the scope, so that [] from interfacesUsing means "unattached", not "not known". */
  knowsInterfaces(scope: InventoryScope): Promise<boolean>;
  prefixList(scope: InventoryScope, prefixListId: string): Promise<InventoryPrefixList | undefined>;
  /** The rules (of any group of the scope) whose source is this prefix list; [] when none. */
  rulesReferencing(scope: InventoryScope, prefixListId: string): Promise<InventoryRule[]>;
}
