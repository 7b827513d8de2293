/**
 * The file Inventory: `--inventory FILE...`. Each file is told apart by its
 * content, not its name:
 * - the raw JSON of `aws ec2 describe-security-groups`, `describe-security-group-rules`,
 *   `describe-network-interfaces`, `describe-managed-prefix-lists` (PascalCase, as the CLI prints it);
 * - sgwatch's snapshot `{"kind": "sgwatch-inventory", "version": 1, "account", "region",
 *   "securityGroups", "securityGroupRules", "networkInterfaces", "prefixLists"}` holding the same AWS shapes.
 *
 * The raw outputs carry no region and only sometimes an account (OwnerId,
 * GroupOwnerId): an entry is matched to a change's (account, region) on what
 * it knows, and ids (sg-, sgr-, eni-, pl-) are unique across accounts.
 * A file that is not one of these shapes is refused with its name and what
 * is wrong (InventoryFileError), never half-read.
 */
import { readFileSync } from 'node:fs';
import type {
  FactSource,
  Inventory,
  InventoryGroup,
  InventoryInterface,
  InventoryPrefixList,
  InventoryRule,
  InventoryRuleSource,
  InventoryScope,
} from './inventory';

export class InventoryFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'InventoryFileError';
  }
}

interface Where {
  account?: string;
  region?: string;
}

type Scoped<T> = T & { where: Where };

/** What the files held, by id. */
export interface InventoryData {
  groups: Map<string, Scoped<InventoryGroup>>;
  rules: Map<string, Scoped<InventoryRule>>;
  interfaces: Array<Scoped<InventoryInterface>>;
  prefixLists: Map<string, Scoped<InventoryPrefixList>>;
  /** Scopes whose interfaces were listed (`*` for an unknown account or region). */
  interfaceScopes: Where[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function tagsOf(v: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  if (Array.isArray(v)) for (const t of v) if (isObject(t) && typeof t.Key === 'string') tags[t.Key] = typeof t.Value === 'string' ? t.Value : '';
  return tags;
}

function arrayAt(file: string, obj: Json, key: string, what: string): Json[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new InventoryFileError(file, `"${key}" is not an array`);
  v.forEach((item, i) => {
    if (!isObject(item)) throw new InventoryFileError(file, `${key}[${i}] is not an object (${what})`);
  });
  return v as Json[];
}

function needId(file: string, item: Json, key: string, at: string, prefix: string): string {
  const id = item[key];
  if (typeof id !== 'string' || !id.startsWith(prefix)) throw new InventoryFileError(file, `${at}: no ${key} (a "${prefix}..." id)`);
  return id;
}

/** Region of an availability zone name (us-east-1a → us-east-1); undefined for local/wavelength zones it cannot tell. */
export function regionOfZone(zone: string | undefined): string | undefined {
  const m = zone ? /^([a-z]{2}(?:-gov)?-[a-z]+-\d+)[a-z]$/.exec(zone) : null;
  return m ? m[1] : undefined;
}

/** True for an IPv6 address that is routable on the internet: not link-local (fe80::/10), not unique-local (fc00::/7), not loopback/unspecified. */
export function isGlobalIpv6(address: string): boolean {
  const a = address.trim().toLowerCase();
  if (a === '::' || a === '::1' || !a.includes(':')) return false;
  const first = a.startsWith('::') ? 0 : parseInt(a.split(':')[0]!, 16);
  if (!Number.isFinite(first)) return false;
  if ((first & 0xffc0) === 0xfe80) return false;
  if ((first & 0xfe00) === 0xfc00) return false;
  return (first & 0xe000) === 0x2000; // 2000::/3: global unicast
}

function ruleSource(r: Json): InventoryRuleSource | undefined {
  const v4 = str(r.CidrIpv4);
  if (v4) return { kind: 'cidr4', value: v4 };
  const v6 = str(r.CidrIpv6);
  if (v6) return { kind: 'cidr6', value: v6 };
  const pl = str(r.PrefixListId);
  if (pl) return { kind: 'prefix-list', value: pl };
  const ref = r.ReferencedGroupInfo;
  if (isObject(ref) && str(ref.GroupId)) return { kind: 'group', value: ref.GroupId as string };
  return undefined;
}

function emptyData(): InventoryData {
  return { groups: new Map(), rules: new Map(), interfaces: [], prefixLists: new Map(), interfaceScopes: [] };
}

function addGroups(file: string, items: Json[], data: InventoryData, where: Where, key: string): void {
  items.forEach((g, i) => {
    const groupId = needId(file, g, 'GroupId', `${key}[${i}]`, 'sg-');
    const name = str(g.GroupName);
    const ownerId = str(g.OwnerId);
    data.groups.set(groupId, {
      groupId,
      ...(name !== undefined ? { groupName: name } : {}),
      ...(str(g.VpcId) ? { vpcId: g.VpcId as string } : {}),
      ...(ownerId ? { ownerId } : {}),
      tags: tagsOf(g.Tags),
      isDefault: name === 'default',
      where: { account: where.account ?? ownerId, region: where.region },
    });
  });
}

function addRules(file: string, items: Json[], data: InventoryData, where: Where, key: string): void {
  items.forEach((r, i) => {
    const at = `${key}[${i}]`;
    const ruleId = needId(file, r, 'SecurityGroupRuleId', at, 'sgr-');
    const groupId = needId(file, r, 'GroupId', at, 'sg-');
    if (typeof r.IsEgress !== 'boolean') throw new InventoryFileError(file, `${at} (${ruleId}): IsEgress is not true or false`);
    const protocol = r.IpProtocol === undefined ? '-1' : String(r.IpProtocol);
    const from = num(r.FromPort);
    const to = num(r.ToPort);
    const source = ruleSource(r);
    data.rules.set(ruleId, {
      ruleId,
      groupId,
      direction: r.IsEgress ? 'egress' : 'ingress',
      protocol,
      ...(from !== undefined ? { fromPort: from } : {}),
      ...(to !== undefined ? { toPort: to } : {}),
      ...(source ? { source } : {}),
      ...(str(r.Description) ? { description: r.Description as string } : {}),
      tags: tagsOf(r.Tags),
      where: { account: where.account ?? str(r.GroupOwnerId), region: where.region },
    });
  });
}

function addInterfaces(file: string, items: Json[], data: InventoryData, where: Where, key: string): void {
  const scopes = new Set<string>();
  items.forEach((n, i) => {
    const at = `${key}[${i}]`;
    const interfaceId = needId(file, n, 'NetworkInterfaceId', at, 'eni-');
    const groups = n.Groups === undefined ? [] : n.Groups;
    if (!Array.isArray(groups)) throw new InventoryFileError(file, `${at} (${interfaceId}): Groups is not an array`);
    const groupIds = groups.flatMap((g) => (isObject(g) && str(g.GroupId) ? [g.GroupId as string] : []));
    const publicIpv4 = new Set<string>();
    const top = n.Association;
    if (isObject(top) && str(top.PublicIp)) publicIpv4.add(top.PublicIp as string);
    if (Array.isArray(n.PrivateIpAddresses)) {
      for (const p of n.PrivateIpAddresses) if (isObject(p) && isObject(p.Association) && str(p.Association.PublicIp)) publicIpv4.add(p.Association.PublicIp as string);
    }
    const ipv6Global = new Set<string>();
    if (Array.isArray(n.Ipv6Addresses)) for (const a of n.Ipv6Addresses) if (isObject(a) && str(a.Ipv6Address) && isGlobalIpv6(a.Ipv6Address as string)) ipv6Global.add(a.Ipv6Address as string);
    const w: Where = { account: where.account ?? str(n.OwnerId), region: where.region ?? regionOfZone(str(n.AvailabilityZone)) };
    scopes.add(`${w.account ?? '*'}/${w.region ?? '*'}`);
    data.interfaces.push({
      interfaceId,
      groupIds,
      publicIpv4: [...publicIpv4],
      ipv6Global: [...ipv6Global],
      ...(str(n.InterfaceType) ? { interfaceType: n.InterfaceType as string } : {}),
      ...(str(n.Description) ? { description: n.Description as string } : {}),
      where: w,
    });
  });
  // An empty listing still says "these interfaces are all there are" for the file's scope.
  if (items.length === 0) scopes.add(`${where.account ?? '*'}/${where.region ?? '*'}`);
  for (const s of scopes) {
    const [account, region] = s.split('/');
    data.interfaceScopes.push({ ...(account !== '*' ? { account } : {}), ...(region !== '*' ? { region } : {}) });
  }
}

function addPrefixLists(file: string, items: Json[], data: InventoryData, where: Where, key: string): void {
  items.forEach((p, i) => {
    const at = `${key}[${i}]`;
    const prefixListId = needId(file, p, 'PrefixListId', at, 'pl-');
    let entries: InventoryPrefixList['entries'];
    if (p.Entries !== undefined) {
      if (!Array.isArray(p.Entries)) throw new InventoryFileError(file, `${at} (${prefixListId}): Entries is not an array`);
      entries = p.Entries.map((e, j) => {
        if (!isObject(e) || !str(e.Cidr)) throw new InventoryFileError(file, `${at}.Entries[${j}] (${prefixListId}): no Cidr`);
        return { cidr: e.Cidr as string, ...(str(e.Description) ? { description: e.Description as string } : {}) };
      });
    }
    const ownerId = str(p.OwnerId);
    data.prefixLists.set(prefixListId, {
      prefixListId,
      ...(str(p.PrefixListName) ? { name: p.PrefixListName as string } : {}),
      ...(ownerId ? { ownerId } : {}),
      ...(entries ? { entries } : {}),
      // AWS-managed lists (owner "AWS") are the same in every account.
      where: { account: ownerId === 'AWS' ? undefined : (where.account ?? ownerId), region: where.region },
    });
  });
}

const RAW_KEYS = ['SecurityGroups', 'SecurityGroupRules', 'NetworkInterfaces', 'PrefixLists'] as const;

/** Reads one parsed file into `data`; throws InventoryFileError naming the file and what is wrong. */
export function addInventoryJson(file: string, json: unknown, data: InventoryData): void {
  if (!isObject(json)) throw new InventoryFileError(file, 'not a JSON object: expected the output of aws ec2 describe-* or an sgwatch-inventory snapshot');
  if (json.kind !== undefined) {
    if (json.kind !== 'sgwatch-inventory') throw new InventoryFileError(file, `unknown kind ${JSON.stringify(json.kind)}: expected "sgwatch-inventory"`);
    if (json.version !== 1) throw new InventoryFileError(file, `sgwatch-inventory version ${JSON.stringify(json.version)} is not supported (this sgwatch reads version 1)`);
    const account = str(json.account);
    const region = str(json.region);
    if (!account || !/^\d{12}$/.test(account)) throw new InventoryFileError(file, 'sgwatch-inventory: "account" is not a 12-digit account id');
    if (!region) throw new InventoryFileError(file, 'sgwatch-inventory: no "region"');
    const where = { account, region };
    const part = (key: string) => (json[key] === undefined ? [] : arrayAt(file, json, key, 'snapshot'));
    addGroups(file, part('securityGroups'), data, where, 'securityGroups');
    addRules(file, part('securityGroupRules'), data, where, 'securityGroupRules');
    if (json.networkInterfaces !== undefined) addInterfaces(file, part('networkInterfaces'), data, where, 'networkInterfaces');
    addPrefixLists(file, part('prefixLists'), data, where, 'prefixLists');
    return;
  }
  const present = RAW_KEYS.filter((k) => json[k] !== undefined);
  if (present.length === 0) {
    const looksLikeTrail = Array.isArray(json.Records) || typeof json.eventName === 'string';
    throw new InventoryFileError(
      file,
      looksLikeTrail
        ? 'this is CloudTrail, not an inventory: pass it as a record path, not after --inventory'
        : `none of ${RAW_KEYS.join(', ')} and no "kind": "sgwatch-inventory"; expected the output of aws ec2 describe-security-groups, describe-security-group-rules, describe-network-interfaces or describe-managed-prefix-lists`,
    );
  }
  const where: Where = {};
  if (json.SecurityGroups !== undefined) addGroups(file, arrayAt(file, json, 'SecurityGroups', 'a security group'), data, where, 'SecurityGroups');
  if (json.SecurityGroupRules !== undefined) addRules(file, arrayAt(file, json, 'SecurityGroupRules', 'a rule'), data, where, 'SecurityGroupRules');
  if (json.NetworkInterfaces !== undefined) addInterfaces(file, arrayAt(file, json, 'NetworkInterfaces', 'a network interface'), data, where, 'NetworkInterfaces');
  if (json.PrefixLists !== undefined) addPrefixLists(file, arrayAt(file, json, 'PrefixLists', 'a prefix list'), data, where, 'PrefixLists');
}

/** Whether a part of the files (its account and region, when it names them) answers for this scope. */
export const fits = (w: Where, scope: InventoryScope): boolean => (!w.account || w.account === scope.account) && (!w.region || w.region === scope.region);

/** An Inventory over parsed data. */
export function inventoryFromData(data: InventoryData, source: FactSource): Inventory {
  const strip = <T extends object>(v: Scoped<T> | undefined, scope: InventoryScope): T | undefined => {
    if (!v || !fits(v.where, scope)) return undefined;
    const { where: _w, ...rest } = v;
    return rest as unknown as T;
  };
  return {
    source,
    async group(scope, groupId) {
      return strip<InventoryGroup>(data.groups.get(groupId), scope);
    },
    async rule(scope, ruleId) {
      return strip<InventoryRule>(data.rules.get(ruleId), scope);
    },
    async interfacesUsing(scope, groupId) {
      return data.interfaces.filter((n) => n.groupIds.includes(groupId) && fits(n.where, scope)).map((n) => strip<InventoryInterface>(n, scope)!);
    },
    async knowsInterfaces(scope) {
      return data.interfaceScopes.some((w) => fits(w, scope));
    },
    async prefixList(scope, id) {
      return strip<InventoryPrefixList>(data.prefixLists.get(id), scope);
    },
    async rulesReferencing(scope, id) {
      const found: InventoryRule[] = [];
      for (const r of data.rules.values()) if (r.source?.kind === 'prefix-list' && r.source.value === id && fits(r.where, scope)) found.push(strip<InventoryRule>(r, scope)!);
      return found;
    },
  };
}

/** Reads the files (throws InventoryFileError on the first bad one); source `inventory:FILE[,FILE...]`. */
export function loadInventoryFiles(files: readonly string[]): Inventory {
  const { data, source } = loadInventoryData(files);
  return inventoryFromData(data, source);
}

/** The files' parsed content, for what enumerates it (the audit) rather than looking things up. */
export function loadInventoryData(files: readonly string[]): { data: InventoryData; source: FactSource } {
  if (files.length === 0) throw new Error('no inventory file given');
  const data = emptyData();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new InventoryFileError(file, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not an inventory file (give record paths before --inventory, or end its list with --)' : `cannot read: ${(err as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InventoryFileError(file, `not valid JSON: ${(err as Error).message}`);
    }
    addInventoryJson(file, json, data);
  }
  return { data, source: `inventory:${files.join(',')}` };
}

export { emptyData as emptyInventoryData };
