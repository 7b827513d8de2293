/**
 * Port arithmetic for security-group rules.
 *
 * - protocol `-1` means every protocol and therefore every port;
 * - tcp/udp with null ports mean all ports 0-65535;
 * - icmp/icmpv6 from/to are ICMP type/code: they never match a tcp/udp port;
 * - other protocols (esp, gre, sctp as numbers) carry no ports.
 */
import { hasPorts } from './protocol';

export const MIN_PORT = 0;
export const MAX_PORT = 65535;

export interface PortRange {
  from: number;
  to: number;
}

/** The parts of a rule port logic looks at (a RuleChange or Permission fits). */
export interface PortedRule {
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
}

export type PortProtocol = 'tcp' | 'udp';

const ALL: PortRange = { from: MIN_PORT, to: MAX_PORT };

/**
 * The tcp/udp port range a rule opens, or null when ports do not apply
 * (icmp, other protocols). `-1` opens every port. A reversed range is read low-high.
 */
export function portRangeOf(rule: PortedRule): PortRange | null {
  if (rule.protocol === '-1') return ALL;
  if (!hasPorts(rule.protocol)) return null;
  const { fromPort, toPort } = rule;
  if (fromPort === null || toPort === null || fromPort < 0 || toPort < 0) return ALL;
  const from = Math.min(fromPort, toPort);
  const to = Math.min(Math.max(fromPort, toPort), MAX_PORT);
  return from === MIN_PORT && to === MAX_PORT ? ALL : { from, to };
}

/** True when the rule applies to `protocol` traffic (`-1` applies to all). */
export function appliesTo(rule: PortedRule, protocol: PortProtocol): boolean {
  return rule.protocol === '-1' || rule.protocol === protocol;
}

/** Does the rule let `protocol` traffic reach port `port`? */
export function includesPort(rule: PortedRule, protocol: PortProtocol, port: number): boolean {
  if (!appliesTo(rule, protocol)) return false;
  const range = portRangeOf(rule);
  return range !== null && range.from <= port && port <= range.to;
}

/** True for `-1`, or tcp/udp over every port 0-65535. */
export function opensAllPorts(rule: PortedRule): boolean {
  const range = portRangeOf(rule);
  return range !== null && range.from === MIN_PORT && range.to === MAX_PORT;
}

/**
 * The members of `sortedPorts` (ascending) inside the rule's range, for
 * traffic of one of `protocols`. Empty when none: allocation-free in that case.
 */
export function portsIncluded(rule: PortedRule, protocols: readonly PortProtocol[], sortedPorts: readonly number[]): number[] {
  if (sortedPorts.length === 0) return EMPTY;
  let applies = false;
  for (const p of protocols) if (appliesTo(rule, p)) applies = true;
  if (!applies) return EMPTY;
  const range = portRangeOf(rule);
  if (range === null) return EMPTY;
  let lo = 0;
  let hi = sortedPorts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedPorts[mid] < range.from) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= sortedPorts.length || sortedPorts[lo] > range.to) return EMPTY;
  const out: number[] = [];
  for (let i = lo; i < sortedPorts.length && sortedPorts[i] <= range.to; i++) out.push(sortedPorts[i]);
  return out;
}
const EMPTY: number[] = [];

/** Parses `"22"`, `22` or `"8000-8100"` into a range; error text when invalid. */
export function parsePortRange(input: unknown): { ok: true; range: PortRange } | { ok: false; error: string } {
  const text = typeof input === 'number' ? String(input) : input;
  if (typeof text !== 'string') return { ok: false, error: `expected a port like 22 or a range like "8000-8100", got ${describe(input)}` };
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  if (!m) return { ok: false, error: `expected a port like 22 or a range like "8000-8100", got ${describe(input)}` };
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > MAX_PORT || to > MAX_PORT) return { ok: false, error: `ports are 0-65535, got ${describe(input)}` };
  if (from > to) return { ok: false, error: `range ${describe(input)} ends before it starts` };
  return { ok: true, range: { from, to } };
}

export interface PortSpec extends PortRange {
  protocol: PortProtocol;
}

/** Parses `"tcp/443"` or `"udp/8000-8100"`. */
export function parsePortSpec(input: unknown): { ok: true; spec: PortSpec } | { ok: false; error: string } {
  const expected = `expected "tcp/PORT", "udp/PORT" or "tcp/FROM-TO", got ${describe(input)}`;
  if (typeof input !== 'string') return { ok: false, error: expected };
  const m = /^\s*(tcp|udp)\s*\/\s*(.+)$/i.exec(input);
  if (!m) return { ok: false, error: expected };
  const range = parsePortRange(m[2]);
  if (!range.ok) return { ok: false, error: `${describe(input)}: ${range.error}` };
  return { ok: true, spec: { protocol: m[1].toLowerCase() as PortProtocol, ...range.range } };
}

export function formatPortSpec(spec: PortSpec): string {
  return spec.from === spec.to ? `${spec.protocol}/${spec.from}` : `${spec.protocol}/${spec.from}-${spec.to}`;
}

/** Merged port ranges; answers "is this whole range covered". */
export class PortRangeSet {
  private readonly froms: number[] = [];
  private readonly tos: number[] = [];

  constructor(ranges: Iterable<PortRange>) {
    const sorted = [...ranges].sort((a, b) => a.from - b.from);
    for (const r of sorted) {
      const last = this.tos.length - 1;
      if (last >= 0 && r.from <= this.tos[last] + 1) this.tos[last] = Math.max(this.tos[last], r.to);
      else {
        this.froms.push(r.from);
        this.tos.push(r.to);
      }
    }
  }

  get empty(): boolean {
    return this.froms.length === 0;
  }

  covers(range: PortRange): boolean {
    for (let i = 0; i < this.froms.length; i++) {
      if (this.froms[i] <= range.from) {
        if (range.to <= this.tos[i]) return true;
      } else break;
    }
    return false;
  }
}

/** Approved ports per protocol (`approvedPublicPorts`). */
export class ApprovedPorts {
  private readonly byProtocol: Record<PortProtocol, PortRangeSet>;

  constructor(specs: Iterable<PortSpec>) {
    const all = [...specs];
    this.byProtocol = {
      tcp: new PortRangeSet(all.filter((s) => s.protocol === 'tcp')),
      udp: new PortRangeSet(all.filter((s) => s.protocol === 'udp')),
    };
  }

  /**
   * True when every port the rule opens is approved. `-1` is covered only if
   * tcp and udp are approved over 0-65535 (and even then it opens other
   * protocols: callers judge `-1` separately). Port-less protocols are never covered.
   */
  covers(rule: PortedRule): boolean {
    const range = portRangeOf(rule);
    if (range === null) return false;
    if (rule.protocol === '-1') return this.byProtocol.tcp.covers(range) && this.byProtocol.udp.covers(range);
    return this.byProtocol[rule.protocol as PortProtocol].covers(range);
  }
}

/** Well-known TCP services, for messages people can read. */
export const SERVICE_NAMES: Readonly<Record<number, string>> = {
  20: 'FTP data',
  21: 'FTP',
  22: 'SSH',
  23: 'Telnet',
  25: 'SMTP',
  53: 'DNS',
  80: 'HTTP',
  110: 'POP3',
  135: 'Windows RPC',
  139: 'NetBIOS',
  143: 'IMAP',
  443: 'HTTPS',
  445: 'SMB',
  1433: 'SQL Server',
  1434: 'SQL Server browser',
  2049: 'NFS',
  2375: 'Docker API',
  2376: 'Docker API (TLS)',
  3000: 'dev server / Grafana',
  3306: 'MySQL',
  3389: 'RDP',
  4333: 'mSQL',
  5000: 'dev server / Docker registry',
  5432: 'PostgreSQL',
  5500: 'VNC',
  5601: 'Kibana',
  5900: 'VNC',
  5984: 'CouchDB',
  6379: 'Redis',
  8080: 'HTTP alternate',
  8088: 'Hadoop YARN',
  8888: 'Jupyter',
  9042: 'Cassandra',
  9200: 'Elasticsearch',
  9300: 'Elasticsearch transport',
  11211: 'Memcached',
  27017: 'MongoDB',
};

/** Well-known UDP services. */
export const UDP_SERVICE_NAMES: Readonly<Record<number, string>> = {
  53: 'DNS',
  123: 'NTP',
  161: 'SNMP',
  500: 'IKE',
  1434: 'SQL Server browser',
  11211: 'Memcached',
};

/** `SSH (22)` or `8081`. */
export function namePort(port: number): string {
  const name = SERVICE_NAMES[port];
  return name ? `${name} (${port})` : String(port);
}

/** How a rule's traffic reads: `tcp/22`, `tcp/20-25`, `all traffic`, `icmp type 8`, `protocol 50`. */
export function formatRulePorts(rule: PortedRule): string {
  if (rule.protocol === '-1') return 'all traffic (every protocol and port)';
  if (hasPorts(rule.protocol)) {
    const r = portRangeOf(rule)!;
    if (r.from === MIN_PORT && r.to === MAX_PORT) return `${rule.protocol}/0-65535 (all ${rule.protocol.toUpperCase()} ports)`;
    return r.from === r.to ? `${rule.protocol}/${r.from}` : `${rule.protocol}/${r.from}-${r.to}`;
  }
  if (rule.protocol === 'icmp' || rule.protocol === 'icmpv6') {
    if (rule.fromPort === null || rule.fromPort < 0) return `${rule.protocol} (all types)`;
    return `${rule.protocol} type ${rule.fromPort}` + (rule.toPort !== null && rule.toPort >= 0 ? ` code ${rule.toPort}` : '');
  }
  return `protocol ${rule.protocol}`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
