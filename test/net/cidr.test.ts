import { describe, expect, it } from 'vitest';
import { CidrClassifier, CidrSet, classifyCidr, isWorldSized, maskCidr, parseCidr } from '../../lib/net/cidr';
import { IntervalSet } from '../../lib/net/intervals';

const cls = (text: string, trusted?: string[]) => classifyCidr(text, trusted).class;

describe('parseCidr', () => {
  it.each([
    ['198.51.100.7/0', '0.0.0.0/0', true],
    ['10.1.2.3/8', '10.0.0.0/8', true],
    ['10.0.0.0/8', '10.0.0.0/8', false],
    ['203.0.113.5/32', '203.0.113.5/32', false],
    ['2001:DB8::1/32', '2001:db8::/32', true],
    ['::ffff:10.1.2.3/104', '::ffff:10.0.0.0/104', true],
    ['fe80::1/10', 'fe80::/10', true],
    [' 0.0.0.0/0 ', '0.0.0.0/0', false],
  ])('%s masks to %s', (text, masked, hostBits) => {
    const p = parseCidr(text);
    expect(p.ok).toBe(true);
    if (p.ok) {
      expect(p.cidr.text).toBe(masked);
      expect(p.cidr.hostBits).toBe(hostBits);
    }
  });

  it.each([
    ['', /empty/],
    ['1.2.3.4', /no prefix length \(write 1\.2\.3\.4\/32/],
    ['1.2.3.4/33', /longer than 32 bits/],
    ['::/129', /longer than 128 bits/],
    ['256.0.0.0/8', /not an IPv4 address/],
    ['010.0.0.0/8', /no leading zeros/],
    ['0x7f.0.0.1/8', /not an IPv4 address/],
    ['1.2.3.4/abc', /not a number/],
    ['1:2:3:4:5:6:7:8:9/64', /not an IPv6 address/],
    ['fe80::1%eth0/64', /zone ids/],
    ['sg-12345/0', /not an IPv4 address/],
  ])('%j is invalid (%s), never throws', (text, why) => {
    const p = parseCidr(text);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error).toMatch(why);
  });

  it('non-strings are invalid, not exceptions', () => {
    expect(parseCidr(undefined).ok).toBe(false);
    expect(parseCidr(42).ok).toBe(false);
    expect(classifyCidr(null as unknown as string).class).toBe('invalid');
  });

  it('maskCidr', () => {
    expect(maskCidr('198.51.100.7/0')).toBe('0.0.0.0/0');
    expect(maskCidr('nope')).toBeUndefined();
  });
});

describe('classification (issue 2, section 3)', () => {
  it.each([
    // world: /8 or wider holding public addresses
    ['0.0.0.0/0', 'world'],
    ['198.51.100.7/0', 'world'],
    ['0.0.0.0/1', 'world'],
    ['128.0.0.0/1', 'world'],
    ['172.0.0.0/8', 'world'], // holds 172.16/12 but also public addresses
    ['100.0.0.0/8', 'world'],
    ['8.0.0.0/7', 'world'],
    ['::/0', 'world'],
    ['2001::/16', 'world'],
    ['::/16', 'world'], // holds the IPv4-mapped range: the whole IPv4 internet
    ['::ffff:0:0/96', 'world'], // IPv4-mapped 0.0.0.0/0
    ['::ffff:1.0.0.0/104', 'world'], // IPv4-mapped 1.0.0.0/8
    // not world although wide: wholly non-public
    ['10.0.0.0/8', 'private'],
    ['127.0.0.0/8', 'private'],
    ['0.0.0.0/8', 'private'],
    ['224.0.0.0/3', 'private'], // multicast 224/4 ∪ reserved 240/4, merged
    ['224.0.0.0/4', 'private'],
    ['fc00::/7', 'private'],
    ['ff00::/8', 'private'],
    ['::ffff:10.0.0.0/104', 'private'],
    // public
    ['203.0.113.5/32', 'public'],
    ['198.51.100.0/24', 'public'],
    ['192.0.2.0/24', 'public'],
    ['2001:db8::/32', 'public'],
    ['8.8.8.8/32', 'public'],
    ['11.0.0.0/9', 'public'],
    ['172.15.0.0/16', 'public'],
    ['172.32.0.0/16', 'public'],
    ['100.128.0.0/16', 'public'],
    ['::ffff:8.8.8.8/128', 'public'],
    ['2600:1f18::/32', 'public'],
    ['10.0.0.0/7', 'world'], // 10/8 ∪ 11/8: world-sized and 11/8 is public
    // private
    ['10.1.2.0/24', 'private'],
    ['172.16.0.0/12', 'private'],
    ['172.31.255.255/32', 'private'],
    ['192.168.1.1/32', 'private'],
    ['100.64.0.0/10', 'private'],
    ['169.254.169.254/32', 'private'],
    ['198.18.0.0/15', 'private'],
    ['255.255.255.255/32', 'private'],
    ['::1/128', 'private'],
    ['::/128', 'private'],
    ['fe80::/10', 'private'],
    ['fd12:3456::/32', 'private'],
    ['::ffff:192.168.0.1/128', 'private'],
    ['64:ff9b::10.0.0.1/128', 'private'], // NAT64 of a private address
    // invalid
    ['bogus', 'invalid'],
  ])('%s is %s', (text, expected) => {
    expect(cls(text)).toBe(expected);
  });

  it('invalid carries a reason', () => {
    const j = classifyCidr('10.0.0.0/33');
    expect(j.class).toBe('invalid');
    expect(j.reason).toMatch(/prefix length/);
    expect(j.cidr).toBe('10.0.0.0/33');
  });

  describe('trusted CIDRs', () => {
    const trusted = ['203.0.113.0/24', '11.0.0.0/9', '11.128.0.0/9', '2001:db8:1234::/48'];
    it.each([
      ['203.0.113.5/32', 'trusted'],
      ['203.0.113.0/24', 'trusted'],
      ['203.0.112.0/23', 'public'], // only half inside
      ['11.0.0.0/8', 'trusted'], // world-sized, but wholly inside the union of two trusted /9s
      ['10.0.0.0/7', 'trusted'], // 10/8 private ∪ 11/8 trusted: every public address in it is trusted
      ['0.0.0.0/0', 'world'],
      ['10.0.0.0/8', 'private'], // private stays private
      ['2001:db8:1234:5::/64', 'trusted'],
      ['2001:db8::/32', 'public'],
      ['::ffff:203.0.113.9/128', 'trusted'], // IPv4-mapped form of a trusted address
    ])('%s is %s', (text, expected) => {
      expect(cls(text, trusted)).toBe(expected);
    });
  });

  it('the classifier memoises and answers identically', () => {
    const c = new CidrClassifier(['203.0.113.0/24']);
    const a = c.classify('203.0.113.7/32');
    expect(c.classify('203.0.113.7/32')).toBe(a);
    expect(a.class).toBe('trusted');
  });

  it('isWorldSized follows the embedded IPv4 prefix', () => {
    const p = (t: string) => {
      const r = parseCidr(t);
      if (!r.ok) throw new Error(r.error);
      return r.cidr;
    };
    expect(isWorldSized(p('::ffff:0.0.0.0/104'))).toBe(true);
    expect(isWorldSized(p('::ffff:0.0.0.0/105'))).toBe(false);
    expect(isWorldSized(p('2001::/17'))).toBe(false);
    expect(isWorldSized(p('1.0.0.0/8'))).toBe(true);
    expect(isWorldSized(p('1.0.0.0/9'))).toBe(false);
  });
});

describe('CidrSet / IntervalSet', () => {
  it('merges adjacent and overlapping intervals', () => {
    const s = IntervalSet.from([
      { start: 10n, end: 20n },
      { start: 21n, end: 30n },
      { start: 5n, end: 12n },
      { start: 40n, end: 50n },
    ]);
    expect(s.intervals()).toEqual([
      { start: 5n, end: 30n },
      { start: 40n, end: 50n },
    ]);
    expect(s.contains(5n, 30n)).toBe(true);
    expect(s.contains(29n, 41n)).toBe(false);
    expect(s.intersects(31n, 39n)).toBe(false);
    expect(s.intersects(31n, 40n)).toBe(true);
  });

  it('containment against a union of ranges, not a single range', () => {
    const set = CidrSet.parse(['224.0.0.0/4', '240.0.0.0/4']);
    const p = parseCidr('224.0.0.0/3');
    expect(p.ok && set.contains(p.cidr)).toBe(true);
    const q = parseCidr('192.0.0.0/2');
    expect(q.ok && set.contains(q.cidr)).toBe(false);
    expect(q.ok && set.overlaps(q.cidr)).toBe(true);
  });
});
