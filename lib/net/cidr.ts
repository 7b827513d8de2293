/**
 * CIDR math for IPv4 and IPv6: parsing (ipaddr.js), host-bit masking,
 * containment in unions of ranges and the public/private/world classification
 * sgwatch judges rule sources by. Never string-compares addresses.
 *
 * Nothing here throws on bad input: `parseCidr` returns an error value and the
 * classifier answers `invalid` with a reason.
 */
import ipaddr from 'ipaddr.js';
import { IntervalSet, type Interval } from './intervals';
import { EMBEDDED_V4_PREFIXES, NON_PUBLIC_V4, NON_PUBLIC_V6 } from './special';

export type IpFamily = 4 | 6;

/** A parsed CIDR block with host bits masked off. */
export interface Cidr {
  family: IpFamily;
  prefix: number;
  /** First address of the block (network address), as an integer. */
  start: bigint;
  /** Last address of the block, as an integer. */
  end: bigint;
  /** Canonical text after masking: `198.51.100.7/0` → `0.0.0.0/0`; IPv6 in RFC 5952 form. */
  text: string;
  /** True when the text as written had host bits set. */
  hostBits: boolean;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; error: string };

const V4_BITS = 32;
const V6_BITS = 128;
const V4_MAX = (1n << 32n) - 1n;

function bitsOf(family: IpFamily): number {
  return family === 4 ? V4_BITS : V6_BITS;
}

function bytesToBigInt(bytes: number[]): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

function bigIntToBytes(value: bigint, length: number): number[] {
  const bytes = new Array<number>(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

/** Text of an address given as an integer. */
export function formatAddress(family: IpFamily, value: bigint): string {
  if (family === 4) return bigIntToBytes(value, 4).join('.');
  if (value >> 32n === 0xffffn) return `::ffff:${bigIntToBytes(value & V4_MAX, 4).join('.')}`; // RFC 5952 §5
  const parts = new Array<number>(8);
  for (let i = 7; i >= 0; i--) {
    parts[i] = Number(value & 0xffffn);
    value >>= 16n;
  }
  return new ipaddr.IPv6(parts).toRFC5952String();
}

/** The block of `prefix` bits containing `address`. */
export function blockOf(family: IpFamily, address: bigint, prefix: number): Interval {
  const hostMask = (1n << BigInt(bitsOf(family) - prefix)) - 1n;
  const start = address & ~hostMask;
  return { start, end: start | hostMask };
}

const PREFIX_RE = /^\d{1,3}$/;

/**
 * Parses `a.b.c.d/n` or `x:y::z/n`, masking host bits. The prefix length is
 * required; IPv4 must be four-part decimal without leading zeros (what AWS
 * accepts); IPv6 zone ids are refused.
 */
export function parseCidr(text: unknown): CidrParse {
  if (typeof text !== 'string') return { ok: false, error: `expected a CIDR string, got ${typeof text}` };
  const raw = text.trim();
  if (raw === '') return { ok: false, error: 'empty CIDR' };
  const slash = raw.indexOf('/');
  if (slash < 0) {
    const hint = ipaddr.isValid(raw) ? ` (write ${raw}/${raw.includes(':') ? 128 : 32} for one address)` : '';
    return { ok: false, error: `"${raw}" is not a CIDR: no prefix length${hint}` };
  }
  const addressText = raw.slice(0, slash);
  const prefixText = raw.slice(slash + 1);
  if (!PREFIX_RE.test(prefixText)) return { ok: false, error: `"${raw}": prefix length "${prefixText}" is not a number` };
  const prefix = Number(prefixText);
  let family: IpFamily;
  let address: bigint;
  if (addressText.includes(':')) {
    if (addressText.includes('%')) return { ok: false, error: `"${raw}": IPv6 zone ids are not allowed in a CIDR` };
    if (!ipaddr.IPv6.isValid(addressText)) return { ok: false, error: `"${raw}": "${addressText}" is not an IPv6 address` };
    family = 6;
    address = bytesToBigInt(ipaddr.IPv6.parse(addressText).toByteArray());
  } else {
    if (!ipaddr.IPv4.isValidFourPartDecimal(addressText)) {
      return { ok: false, error: `"${raw}": "${addressText}" is not an IPv4 address (four decimal parts, no leading zeros)` };
    }
    family = 4;
    address = bytesToBigInt(ipaddr.IPv4.parse(addressText).octets);
  }
  if (prefix > bitsOf(family)) {
    return { ok: false, error: `"${raw}": prefix length /${prefix} is longer than ${bitsOf(family)} bits` };
  }
  const { start, end } = blockOf(family, address, prefix);
  return {
    ok: true,
    cidr: { family, prefix, start, end, text: `${formatAddress(family, start)}/${prefix}`, hostBits: start !== address },
  };
}

/** `198.51.100.7/0` → `0.0.0.0/0`; undefined when the text is not a CIDR. */
export function maskCidr(text: string): string | undefined {
  const parsed = parseCidr(text);
  return parsed.ok ? parsed.cidr.text : undefined;
}

function mustParse(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`built-in CIDR ${text}: ${parsed.error}`);
  return parsed.cidr;
}

const EMBEDDED = EMBEDDED_V4_PREFIXES.map(mustParse);

/**
 * A union of CIDR blocks, IPv4 and IPv6, supporting "wholly inside" and
 * "overlaps" queries. IPv4 blocks are also added at their embedded positions
 * in IPv6 (::ffff:a.b.c.d, 64:ff9b::a.b.c.d), so an IPv4-mapped IPv6 CIDR is
 * judged by its IPv4 address.
 */
export class CidrSet {
  readonly v4: IntervalSet;
  readonly v6: IntervalSet;

  private constructor(v4: IntervalSet, v6: IntervalSet) {
    this.v4 = v4;
    this.v6 = v6;
  }

  static of(cidrs: Iterable<Cidr>): CidrSet {
    const v4: Interval[] = [];
    const v6: Interval[] = [];
    for (const c of cidrs) {
      if (c.family === 4) {
        v4.push({ start: c.start, end: c.end });
        for (const e of EMBEDDED) v6.push({ start: e.start + c.start, end: e.start + c.end });
      } else {
        v6.push({ start: c.start, end: c.end });
      }
    }
    return new CidrSet(IntervalSet.from(v4), IntervalSet.from(v6));
  }

  /** Parses every text; throws on an invalid one (for built-in and already validated lists). */
  static parse(texts: Iterable<string>): CidrSet {
    return CidrSet.of([...texts].map(mustParse));
  }

  static union(...sets: CidrSet[]): CidrSet {
    const v4 = IntervalSet.from(sets.flatMap((s) => s.v4.intervals()));
    const v6 = IntervalSet.from(sets.flatMap((s) => s.v6.intervals()));
    return new CidrSet(v4, v6);
  }

  /** True when every address of the block is in the set. */
  contains(cidr: Cidr): boolean {
    return (cidr.family === 4 ? this.v4 : this.v6).contains(cidr.start, cidr.end);
  }

  /** True when some address of the block is in the set. */
  overlaps(cidr: Cidr): boolean {
    return (cidr.family === 4 ? this.v4 : this.v6).intersects(cidr.start, cidr.end);
  }

  get empty(): boolean {
    return this.v4.size === 0 && this.v6.size === 0;
  }
}

/** True when `inner` lies wholly inside `outer` (same family; mapped IPv4 is not cross-matched). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

/** Every address that is not public: RFC 1918, loopback, link-local, multicast, ULA, ... */
export const NON_PUBLIC: CidrSet = CidrSet.parse([...NON_PUBLIC_V4, ...NON_PUBLIC_V6]);

const addresses = (set: IntervalSet): bigint => set.intervals().reduce((n, i) => n + (i.end - i.start + 1n), 0n);
const PUBLIC_V4 = 2n ** 32n - addresses(NON_PUBLIC.v4);
const PUBLIC_V6 = 2n ** 128n - addresses(NON_PUBLIC.v6);
const share = (part: bigint, whole: bigint): number => Number((part * 1_000_000n) / whole) / 10_000;

/** Public addresses in one block (its non-public part not counted). */
function publicAddresses(c: Cidr): bigint {
  const set = CidrSet.of([c]);
  return addresses(CidrSet.union(set, NON_PUBLIC)[c.family === 4 ? 'v4' : 'v6']) - addresses(NON_PUBLIC[c.family === 4 ? 'v4' : 'v6']);
}

/** The most public addresses a world-sized source may hold and still be trusted piecewise: one IPv4 /8, one IPv6 /16 (the widest trustedCidrs entry allowed). */
const WIDEST_TRUSTED: Record<4 | 6, bigint> = { 4: 2n ** 24n, 6: 2n ** 112n };

/** How much of the public IPv4 and IPv6 space a set covers, in percent (non-public space not counted). */
export function publicShare(set: CidrSet): { v4: number; v6: number } {
  const merged = CidrSet.union(set, NON_PUBLIC);
  return { v4: share(addresses(merged.v4) - addresses(NON_PUBLIC.v4), PUBLIC_V4), v6: share(addresses(merged.v6) - addresses(NON_PUBLIC.v6), PUBLIC_V6) };
}

/** World-sized: a block this wide is "everyone" even if it is not literally /0. */
export const WORLD_MAX_PREFIX_V4 = 8;
export const WORLD_MAX_PREFIX_V6 = 16;

/**
 * True when the block is as wide as the "world": IPv4 /8 or wider,
 * IPv6 /16 or wider, or an IPv6 block covering an embedded-IPv4 range as wide
 * as an IPv4 /8 (::ffff:0:0/104 is 0.0.0.0/8 in disguise).
 */
export function isWorldSized(cidr: Cidr): boolean {
  if (cidr.family === 4) return cidr.prefix <= WORLD_MAX_PREFIX_V4;
  if (cidr.prefix <= WORLD_MAX_PREFIX_V6) return true;
  for (const e of EMBEDDED) {
    // CIDR blocks are nested or disjoint: either it contains the whole /96, or lies inside it, or misses it.
    if (cidr.start <= e.start && e.end <= cidr.end) return true;
    if (e.start <= cidr.start && cidr.end <= e.end && cidr.prefix - e.prefix <= WORLD_MAX_PREFIX_V4) return true;
  }
  return false;
}

export type CidrClass = 'world' | 'public' | 'trusted' | 'private' | 'invalid';

export interface CidrJudgement {
  class: CidrClass;
  /** The masked canonical CIDR; the text as given when invalid. */
  cidr: string;
  /** The parsed block (absent when invalid). */
  parsed?: Cidr;
  /** Why it is invalid. */
  reason?: string;
}

/**
 * Classifies a parsed CIDR:
 * 1. `private` when wholly inside non-public space (merged union: 224.0.0.0/3 is private);
 * 2. `trusted` when every public address it holds is in `trusted`; a
 *    world-sized block holding more public addresses than an IPv4 /8 (IPv6
 *    /16) only when one trustedCidrs entry holds it whole, never because many
 *    entries cover it piecewise (221 trusted /8s do not make 0.0.0.0/0
 *    trusted; two trusted /9s do make 11.0.0.0/8 trusted; see CidrClassifier);
 * 3. `world` when world-sized (see isWorldSized);
 * 4. `public` otherwise.
 */
export function judgeCidr(cidr: Cidr, trustedOrNonPublic: CidrSet | null): CidrClass {
  if (NON_PUBLIC.contains(cidr)) return 'private';
  if (trustedOrNonPublic && trustedOrNonPublic.contains(cidr)) return 'trusted';
  if (isWorldSized(cidr)) return 'world';
  return 'public';
}

const CACHE_LIMIT = 50_000;

/**
 * Classifies CIDR text against one set of trusted CIDRs. Build it once per
 * policy: it precomputes trusted ∪ non-public and memoises answers by text,
 * so the hot path is a Map lookup for CIDRs seen before.
 */
export class CidrClassifier {
  readonly trusted: CidrSet;
  private readonly trustedOrNonPublic: CidrSet | null;
  /** The trusted entries as listed, for world-sized sources (trusted only inside one entry). */
  private readonly entries: Cidr[];
  private readonly cache = new Map<string, CidrJudgement>();

  constructor(trustedCidrs: Iterable<string> | CidrSet = []) {
    this.entries = [];
    if (!(trustedCidrs instanceof CidrSet)) {
      for (const t of trustedCidrs) {
        const p = parseCidr(t);
        if (p.ok) this.entries.push(p.cidr);
      }
    }
    this.trusted = trustedCidrs instanceof CidrSet ? trustedCidrs : CidrSet.of(this.entries);
    this.trustedOrNonPublic = this.trusted.empty ? null : CidrSet.union(this.trusted, NON_PUBLIC);
  }

  classify(text: string): CidrJudgement {
    const hit = this.cache.get(text);
    if (hit) return hit;
    const parsed = parseCidr(text);
    let cls: CidrClass | undefined;
    if (parsed.ok) {
      cls = judgeCidr(parsed.cidr, this.trustedOrNonPublic);
      const c = parsed.cidr;
      if (cls === 'trusted' && isWorldSized(c) && !this.entries.some((e) => cidrContains(e, c)) && publicAddresses(c) > WIDEST_TRUSTED[c.family]) cls = 'world';
    }
    const judgement: CidrJudgement = parsed.ok
      ? { class: cls!, cidr: parsed.cidr.text, parsed: parsed.cidr }
      : { class: 'invalid', cidr: String(text), reason: parsed.error };
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(text, judgement);
    return judgement;
  }
}

const UNTRUSTING = new CidrClassifier();

/** One-off classification (no trusted CIDRs unless given). Prefer a CidrClassifier on hot paths. */
export function classifyCidr(text: string, trustedCidrs?: Iterable<string> | CidrSet | CidrClassifier): CidrJudgement {
  if (trustedCidrs instanceof CidrClassifier) return trustedCidrs.classify(text);
  if (trustedCidrs === undefined) return UNTRUSTING.classify(text);
  return new CidrClassifier(trustedCidrs).classify(text);
}
