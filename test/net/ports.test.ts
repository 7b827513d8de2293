import { describe, expect, it } from 'vitest';
import { ApprovedPorts, formatRulePorts, includesPort, opensAllPorts, parsePortRange, parsePortSpec, portRangeOf, portsIncluded } from '../../lib/net/ports';

const r = (protocol: string, fromPort: number | null, toPort: number | null = fromPort) => ({ protocol, fromPort, toPort });

describe('ports', () => {
  it.each([
    [r('tcp', 20, 25), 'tcp', 22, true],
    [r('tcp', 22), 'tcp', 22, true],
    [r('tcp', 23, 25), 'tcp', 22, false],
    [r('udp', 22), 'tcp', 22, false],
    [r('-1', null), 'tcp', 22, true],
    [r('-1', null), 'udp', 53, true],
    [r('tcp', null, null), 'tcp', 65535, true],
    [r('icmp', 22, 0), 'tcp', 22, false], // ICMP type 22 is not SSH
    [r('icmpv6', 22, -1), 'tcp', 22, false],
    [r('50', null), 'tcp', 22, false], // ESP carries no ports
  ] as const)('%j includes %s/%i: %s', (rule, proto, port, expected) => {
    expect(includesPort(rule, proto, port)).toBe(expected);
  });

  it('portRangeOf', () => {
    expect(portRangeOf(r('icmp', 8, 0))).toBeNull();
    expect(portRangeOf(r('-1', null))).toEqual({ from: 0, to: 65535 });
    expect(portRangeOf(r('tcp', 25, 20))).toEqual({ from: 20, to: 25 });
    expect(portRangeOf(r('udp', -1, -1))).toEqual({ from: 0, to: 65535 });
  });

  it('opensAllPorts: -1, tcp/udp 0-65535 or null ports; not icmp', () => {
    expect(opensAllPorts(r('-1', null))).toBe(true);
    expect(opensAllPorts(r('tcp', 0, 65535))).toBe(true);
    expect(opensAllPorts(r('udp', null, null))).toBe(true);
    expect(opensAllPorts(r('tcp', 1, 65535))).toBe(false);
    expect(opensAllPorts(r('icmp', -1, -1))).toBe(false);
  });

  it('portsIncluded lists the members inside the range, by protocol', () => {
    const risky = [20, 21, 23, 25, 110, 3306];
    expect(portsIncluded(r('tcp', 20, 25), ['tcp', 'udp'], risky)).toEqual([20, 21, 23, 25]);
    expect(portsIncluded(r('udp', 3306), ['tcp'], risky)).toEqual([]);
    expect(portsIncluded(r('icmp', 20, 25), ['tcp', 'udp'], risky)).toEqual([]);
    expect(portsIncluded(r('-1', null), ['tcp'], [22, 3389])).toEqual([22, 3389]);
    expect(portsIncluded(r('tcp', 26, 109), ['tcp'], risky)).toEqual([]);
  });

  it('approved port sets: a range must lie inside their union', () => {
    const specs = ['tcp/80', 'tcp/443', 'tcp/8000-8100', 'tcp/8101-8200', 'udp/53'].map((t) => {
      const p = parsePortSpec(t);
      if (!p.ok) throw new Error(p.error);
      return p.spec;
    });
    const approved = new ApprovedPorts(specs);
    expect(approved.covers(r('tcp', 443))).toBe(true);
    expect(approved.covers(r('tcp', 80, 443))).toBe(false);
    expect(approved.covers(r('tcp', 8050, 8150))).toBe(true); // spans two adjacent approved ranges
    expect(approved.covers(r('udp', 53))).toBe(true);
    expect(approved.covers(r('udp', 443))).toBe(false);
    expect(approved.covers(r('-1', null))).toBe(false);
    expect(approved.covers(r('icmp', 8, 0))).toBe(false);
  });

  it('parses port and port-spec text with clear errors', () => {
    expect(parsePortRange(22)).toEqual({ ok: true, range: { from: 22, to: 22 } });
    expect(parsePortRange('8000-8100')).toEqual({ ok: true, range: { from: 8000, to: 8100 } });
    expect(parsePortRange('70000')).toMatchObject({ ok: false, error: expect.stringMatching(/0-65535/) });
    expect(parsePortRange('9-1')).toMatchObject({ ok: false, error: expect.stringMatching(/ends before/) });
    expect(parsePortSpec('TCP/443')).toEqual({ ok: true, spec: { protocol: 'tcp', from: 443, to: 443 } });
    expect(parsePortSpec('443')).toMatchObject({ ok: false, error: expect.stringMatching(/tcp\/PORT/) });
    expect(parsePortSpec('sctp/1')).toMatchObject({ ok: false });
  });

  it('formats rule ports for people', () => {
    expect(formatRulePorts(r('tcp', 22))).toBe('tcp/22');
    expect(formatRulePorts(r('tcp', 20, 25))).toBe('tcp/20-25');
    expect(formatRulePorts(r('icmp', 8, 0))).toBe('icmp type 8 code 0');
    expect(formatRulePorts(r('-1', null))).toMatch(/all traffic/);
  });
});
