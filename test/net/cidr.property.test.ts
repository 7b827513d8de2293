/** Property-based tests for the CIDR logic (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrClassifier, CidrSet, classifyCidr, cidrContains, formatAddress, parseCidr, type Cidr } from '../../lib/net/cidr';
import { NON_PUBLIC_V4, NON_PUBLIC_V6 } from '../../lib/net/special';

const v4addr = fc.bigInt({ min: 0n, max: (1n << 32n) - 1n });
const v6addr = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
const v4 = fc.record({ addr: v4addr, prefix: fc.integer({ min: 0, max: 32 }) }).map(({ addr, prefix }) => `${formatAddress(4, addr)}/${prefix}`);
const v6 = fc.record({ addr: v6addr, prefix: fc.integer({ min: 0, max: 128 }) }).map(({ addr, prefix }) => `${formatAddress(6, addr)}/${prefix}`);
/** IPv6 addresses often near interesting space (IPv4-mapped, ULA, link-local, documentation). */
const v6interesting = fc
  .record({
    base: fc.constantFrom(0n, 0xffffn << 32n, 0xfc00n << 112n, 0xfe80n << 112n, 0x20010db8n << 96n, 0x64ff9bn << 96n),
    low: fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }),
    prefix: fc.integer({ min: 0, max: 128 }),
  })
  .map(({ base, low, prefix }) => `${formatAddress(6, base | low)}/${prefix}`);
const anyCidr = fc.oneof(v4, v6, v6interesting);

function parsed(text: string): Cidr {
  const p = parseCidr(text);
  if (!p.ok) throw new Error(p.error);
  return p.cidr;
}

/** The same block written with random host bits. */
function withHostBits(c: Cidr, noise: bigint): string {
  const bits = c.family === 4 ? 32 : 128;
  const hostMask = (1n << BigInt(bits - c.prefix)) - 1n;
  return `${formatAddress(c.family, c.start | (noise & hostMask))}/${c.prefix}`;
}

const trusted = new CidrClassifier(['203.0.113.0/24', '11.0.0.0/9', '2001:db8:1234::/48']);

describe('CIDR properties', () => {
  it('classification is invariant under host bits (v4 and v6, with and without trusted CIDRs)', () => {
    fc.assert(
      fc.property(anyCidr, v6addr, (text, noise) => {
        const c = parsed(text);
        const noisy = withHostBits(c, noise);
        expect(classifyCidr(noisy).class).toBe(classifyCidr(c.text).class);
        expect(trusted.classify(noisy).class).toBe(trusted.classify(c.text).class);
        expect(classifyCidr(noisy).cidr).toBe(c.text);
      }),
      { numRuns: 2000 },
    );
  });

  it('masking is idempotent', () => {
    fc.assert(
      fc.property(anyCidr, (text) => {
        const once = parsed(text);
        const twice = parsed(once.text);
        expect(twice.text).toBe(once.text);
        expect(twice.hostBits).toBe(false);
        expect([twice.start, twice.end]).toEqual([once.start, once.end]);
      }),
      { numRuns: 2000 },
    );
  });

  it('any split of the world into halves is still world: both /1 halves, both ::/1 halves', () => {
    for (const t of ['0.0.0.0/1', '128.0.0.0/1', '::/1', '8000::/1']) expect(classifyCidr(t).class).toBe('world');
  });

  it('every /8 holding a public address is world; the rest are private', () => {
    let world = 0;
    for (let i = 0; i < 256; i++) {
      const j = classifyCidr(`${i}.0.0.0/8`);
      const wholly = [0, 10, 127].includes(i) || i >= 224;
      expect(j.class, `${i}.0.0.0/8`).toBe(wholly ? 'private' : 'world');
      if (j.class === 'world') world++;
    }
    expect(world).toBe(256 - 3 - 32);
  });

  it('any block of a world block that is still /8 or wider and holds public addresses is world', () => {
    fc.assert(
      fc.property(v4addr, fc.integer({ min: 0, max: 8 }), (addr, prefix) => {
        const text = `${formatAddress(4, addr)}/${prefix}`;
        const c = parsed(text);
        const expected = CidrSet.parse(NON_PUBLIC_V4).contains(c) ? 'private' : 'world';
        expect(classifyCidr(text).class).toBe(expected);
      }),
    );
    fc.assert(
      fc.property(v6addr, fc.integer({ min: 0, max: 16 }), (addr, prefix) => {
        const text = `${formatAddress(6, addr)}/${prefix}`;
        // no non-public IPv6 range is /16 or wider except within ff00::/8, fc00::/7, fe80::/10, fec0::/10
        const c = parsed(text);
        const expected = CidrSet.parse(NON_PUBLIC_V6).contains(c) ? 'private' : 'world';
        expect(classifyCidr(text).class).toBe(expected);
      }),
    );
  });

  it('a CIDR inside a private range stays private (v4 and v6)', () => {
    const ranges = [...NON_PUBLIC_V4, ...NON_PUBLIC_V6].map(parsed);
    fc.assert(
      fc.property(fc.constantFrom(...ranges), v6addr, fc.integer({ min: 0, max: 128 }), (range, noise, extra) => {
        const bits = range.family === 4 ? 32 : 128;
        const prefix = range.prefix + (extra % (bits - range.prefix + 1));
        const inner = `${formatAddress(range.family, range.start | (noise & (range.end - range.start)))}/${prefix}`;
        expect(cidrContains(range, parsed(inner))).toBe(true);
        expect(classifyCidr(inner).class).toBe('private');
        expect(trusted.classify(inner).class).toBe('private');
      }),
      { numRuns: 2000 },
    );
  });

  it('a CIDR inside a public one is never world unless still world-sized, and never private', () => {
    fc.assert(
      fc.property(v4, (text) => {
        const c = parsed(text);
        const j = classifyCidr(text);
        if (j.class === 'public') expect(c.prefix).toBeGreaterThan(8);
        if (j.class === 'world') expect(c.prefix).toBeLessThanOrEqual(8);
      }),
      { numRuns: 2000 },
    );
  });

  it('containment is transitive and consistent with sets', () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6interesting), fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 128 }), (text, a, b) => {
        const outer = parsed(text);
        const bits = outer.family === 4 ? 32 : 128;
        const p1 = Math.min(bits, outer.prefix + (a % (bits + 1)));
        const p2 = Math.min(bits, p1 + (b % (bits + 1)));
        const middle = parsed(`${formatAddress(outer.family, outer.start)}/${p1}`);
        const inner = parsed(`${formatAddress(outer.family, middle.end)}/${p2}`);
        expect(cidrContains(outer, middle)).toBe(true);
        expect(cidrContains(middle, inner)).toBe(true);
        expect(cidrContains(outer, inner)).toBe(true);
        expect(CidrSet.of([outer]).contains(inner)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('IPv4-mapped IPv6 is judged like its IPv4 address', () => {
    fc.assert(
      fc.property(v4addr, fc.integer({ min: 0, max: 32 }), (addr, prefix) => {
        const v4text = `${formatAddress(4, addr)}/${prefix}`;
        const mapped = `${formatAddress(6, (0xffffn << 32n) | addr)}/${96 + prefix}`;
        expect(classifyCidr(mapped).class).toBe(classifyCidr(v4text).class);
        expect(trusted.classify(mapped).class).toBe(trusted.classify(v4text).class);
      }),
      { numRuns: 2000 },
    );
  });

  it('parsing never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const j = classifyCidr(s);
        expect(['world', 'public', 'trusted', 'private', 'invalid']).toContain(j.class);
      }),
      { numRuns: 1000 },
    );
  });
});
