import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicy, evaluate, loadPolicyFile, parsePolicy, policyFromObject, PolicyError, policyToYaml, RULE_IDS } from '../../lib/policy';
import { change, rule } from './builders';

function problems(text: string, file = 'policy.yml'): string[] {
  try {
    parsePolicy(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).problems;
  }
  throw new Error('expected a PolicyError');
}

describe('default policy', () => {
  it('loads, with the issue severities and revoke only for public-all-ports and public-admin-port', () => {
    const p = defaultPolicy();
    expect(p.version).toBe(1);
    expect(p.adminPorts).toEqual([22, 3389]);
    expect(p.approvedPublicPorts).toEqual(['tcp/80', 'tcp/443']);
    expect(p.highRiskPorts).toEqual([20, 21, 23, 25, 110, 135, 143, 445, 1433, 1434, 2375, 2376, 3000, 3306, 4333, 5000, 5432, 5500, 5601, 5984, 6379, 8080, 8088, 8888, 9042, 9200, 9300, 11211, 27017]);
    expect(Object.keys(p.rules).sort()).toEqual([...RULE_IDS].sort());
    expect(Object.fromEntries(Object.entries(p.rules).map(([id, r]) => [id, `${r.severity}/${r.remediation}/${r.enabled}`]))).toEqual({
      'public-all-ports': 'critical/revoke/true',
      'public-admin-port': 'critical/revoke/true',
      'public-high-risk-port': 'high/alert/true',
      'public-unapproved-port': 'medium/alert/true',
      'untrusted-admin-source': 'medium/alert/true',
      'untrusted-account-reference': 'high/alert/true',
      'default-group-rule': 'medium/alert/true',
      'undocumented-rule': 'info/alert/true',
      'unparseable-source': 'medium/alert/true',
      'denied-change-attempt': 'medium/alert/true',
    });
    expect(p.exceptions).toEqual([]);
    expect(p.alertOnlyActors).toEqual([]);
    expect(defaultPolicy()).toBe(p); // cached
    expect(Object.isFrozen(p.rules['public-admin-port'])).toBe(true);
  });

  it('an empty file is the default policy', () => {
    expect(parsePolicy('', 'empty.yml')).toEqual(defaultPolicy());
    expect(parsePolicy('# only a comment\n', 'empty.yml')).toEqual(defaultPolicy());
  });
});

describe('partial policies merge over the default', () => {
  it('rules merge per rule id and field; lists replace; other keys keep defaults', () => {
    const p = parsePolicy(
      `rules:\n  undocumented-rule: { enabled: false }\n  public-high-risk-port: { severity: critical }\nadminPorts: [2222]\ntrustedAccounts: [012345678901]\n`,
      'partial.yml',
    );
    expect(p.rules['undocumented-rule']).toEqual({ severity: 'info', remediation: 'alert', enabled: false });
    expect(p.rules['public-high-risk-port']).toEqual({ severity: 'critical', remediation: 'alert', enabled: true });
    expect(p.rules['public-admin-port']).toEqual(defaultPolicy().rules['public-admin-port']);
    expect(p.adminPorts).toEqual([2222]);
    expect(p.trustedAccounts).toEqual(['012345678901']); // unquoted, leading zero kept
    expect(p.highRiskPorts).toEqual(defaultPolicy().highRiskPorts);
    // and it is what evaluate uses
    expect(evaluate(change([rule('0.0.0.0/0', 2222)]), p).findings.map((f) => f.rule)).toEqual(['public-admin-port']);
    expect(evaluate(change([rule('0.0.0.0/0', 22)]), p).findings.map((f) => f.rule)).toEqual(['public-unapproved-port']);
  });

  it('policyToYaml round-trips the effective policy', () => {
    const p = parsePolicy(
      `trustedCidrs: [203.0.113.0/24]\ntrustedAccounts: ["444455556666"]\nexceptions:\n  - id: x\n    port: "8000-8100"\n    reason: r\n    until: "2030-01-01"\n`,
      'p.yml',
    );
    const yaml = policyToYaml(p);
    expect(yaml).toContain('public-admin-port');
    expect(parsePolicy(yaml, 'shown.yml')).toEqual(p);
  });

  it('policyFromObject validates objects built in code', () => {
    expect(policyFromObject({ adminPorts: [22] }).adminPorts).toEqual([22]);
    expect(() => policyFromObject({ adminPorts: ['22'] }, 'inline')).toThrow(/inline: adminPorts\[0\]: expected a port number 0-65535, got "22"/);
  });

  it('evaluate refuses a hand-built invalid policy with a PolicyError', () => {
    const bad = { ...defaultPolicy(), trustedCidrs: ['nope'] };
    expect(() => evaluate(change([rule('0.0.0.0/0', 22)]), bad)).toThrow(PolicyError);
  });
});

describe('validation messages name the file, the path and what is expected', () => {
  it.each([
    ['wrong value', 'rules:\n  public-admin-port:\n    severity: hgih\n', 'policy.yml: rules.public-admin-port.severity: expected one of info|low|medium|high|critical, got "hgih" (did you mean "high"?) (line 3, column 15)'],
    ['wrong key', 'adminPort: [22]\n', 'policy.yml: (top level): unknown key "adminPort" (did you mean "adminPorts"?)'],
    ['unknown rule id', 'rules:\n  public-ssh: { enabled: false }\n', 'policy.yml: rules: unknown key "public-ssh"'],
    ['wrong key in a rule', 'rules:\n  public-admin-port: { enabeld: false }\n', 'policy.yml: rules.public-admin-port: unknown key "enabeld" (did you mean "enabled"?)'],
    ['wrong type', 'adminPorts: 22\n', 'policy.yml: adminPorts: expected a list, got number 22 (line 1, column 13)'],
    ['wrong type in a list', 'adminPorts: [22, "3389"]\n', 'policy.yml: adminPorts[1]: expected a port number 0-65535, got "3389"'],
    ['port out of range', 'highRiskPorts: [70000]\n', 'policy.yml: highRiskPorts[0]: expected a port number 0-65535, got number 70000'],
    ['boolean', 'rules:\n  undocumented-rule: { enabled: "no" }\n', 'policy.yml: rules.undocumented-rule.enabled: expected true or false, got "no"'],
    ['bad CIDR', 'trustedCidrs: [203.0.113.0/33]\n', 'policy.yml: trustedCidrs[0]: expected a CIDR like 203.0.113.0/24 or 2001:db8::/32: "203.0.113.0/33": prefix length /33 is longer than 32 bits'],
    ['CIDR with host bits', 'trustedCidrs: [203.0.113.7/24]\n', 'policy.yml: trustedCidrs[0]: "203.0.113.7/24" has host bits set: write 203.0.113.0/24 for the whole block, or 203.0.113.7/32 for one address'],
    ['trusting the world', 'trustedCidrs: [0.0.0.0/0]\n', 'policy.yml: trustedCidrs[0]: "0.0.0.0/0" is wider than /8'],
    ['account id', 'trustedAccounts: ["1234"]\n', 'policy.yml: trustedAccounts[0]: expected a 12-digit AWS account id'],
    ['approved port', 'approvedPublicPorts: ["443"]\n', 'policy.yml: approvedPublicPorts[0]: expected "tcp/PORT", "udp/PORT" or "tcp/FROM-TO", got "443"'],
    ['version', 'version: 2\n', 'policy.yml: version: expected 1, got number 2'],
    ['exception without reason', 'exceptions:\n  - port: 22\n', 'policy.yml: exceptions[0].reason: missing: expected a reason'],
    ['exception without matcher', 'exceptions:\n  - reason: because\n', 'policy.yml: exceptions[0]: an exception needs at least one matcher'],
    ['exception bad date', 'exceptions:\n  - port: 22\n    reason: r\n    until: 2024-02-30\n', 'policy.yml: exceptions[0].until: expected a date "2025-12-31"'],
    ['exception date-time without zone', 'exceptions:\n  - port: 22\n    reason: r\n    until: "2024-02-03T10:00"\n', 'policy.yml: exceptions[0].until: expected a date-time with a time zone (add Z for UTC)'],
    ['exception bad CIDR in a list', 'exceptions:\n  - cidr: [10.0.0.0/8, 10.0.0.0/99]\n    reason: r\n', 'policy.yml: exceptions[0].cidr[1]: expected a CIDR'],
    ['exception unknown rule id', 'exceptions:\n  - port: 22\n    reason: r\n    rules: [public-ssh]\n', 'policy.yml: exceptions[0].rules[0]: expected one of public-all-ports|'],
    ['exception port range', 'exceptions:\n  - port: "9-1"\n    reason: r\n', 'policy.yml: exceptions[0].port: range "9-1" ends before it starts'],
    ['exception unknown key', 'exceptions:\n  - prot: tcp\n    reason: r\n', 'policy.yml: exceptions[0]: unknown key "prot"'],
    ['duplicate exception id', 'exceptions:\n  - {id: a, port: 22, reason: r}\n  - {id: a, port: 23, reason: r}\n', 'policy.yml: exceptions[1].id: duplicate id "a" (also exceptions[0])'],
    ['alert-only actor without reason', 'alertOnlyActors:\n  - arn: "arn:aws:iam::*:role/x"\n', 'policy.yml: alertOnlyActors[0].reason: missing: expected a reason'],
    ['top level not a mapping', '- 1\n- 2\n', 'policy.yml: (top level): expected a mapping, got a list'],
  ])('%s', (_name, text, expected) => {
    const lines = problems(text);
    expect(lines.some((l) => l.startsWith(expected)), lines.join('\n')).toBe(true);
  });

  it('wrong keys point at the key line', () => {
    const [line] = problems('version: 1\nrules:\n  public-admin-port:\n    severity: high\n  nope: {}\n');
    expect(line).toMatch(/^policy\.yml: rules: unknown key "nope".*\(line 5, column 3\)$/);
  });

  it('YAML syntax errors give line and column', () => {
    const [line] = problems('rules:\n  public-admin-port: { severity: high\nadminPorts: [22]\n', 'broken.yml');
    expect(line).toMatch(/^broken\.yml: YAML syntax error: .+ \(line \d+, column \d+\)$/);
  });

  it('duplicate keys are an error', () => {
    expect(problems('adminPorts: [22]\nadminPorts: [23]\n')[0]).toMatch(/^policy\.yml: YAML syntax error: Map keys must be unique \(line 2, column 1\)$/);
  });

  it('every problem is listed, one line each, in the error message', () => {
    let thrown: unknown;
    try {
      parsePolicy('adminPorts: [x]\ntrustedCidrs: [nope]\nrules: {public-admin-port: {severity: hgih}}\n', 'many.yml');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    const e = thrown as PolicyError;
    expect(e.problems).toHaveLength(3);
    expect(e.message.split('\n')).toEqual(e.problems);
    for (const p of e.problems) expect(p.startsWith('many.yml: ')).toBe(true);
  });

  it('problems are listed in the order of the file, whatever the order of the schema', () => {
    const text = 'rules:\n  public-admin-port: { severity: hgih }\nadminPorts: [99999]\ntrustedCidrs: [nope]\nbogus: 1\n';
    let thrown: unknown;
    try {
      parsePolicy(text, 'order.yml');
    } catch (err) {
      thrown = err;
    }
    const lines = (thrown as PolicyError).problems.map((p) => Number(/\(line (\d+), column \d+\)$/.exec(p)?.[1]));
    expect(lines).toEqual([2, 3, 4, 5]);
  });
});

describe('loadPolicyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgwatch-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a file', () => {
    const file = join(dir, 'ok.yml');
    writeFileSync(file, 'adminPorts: [22]\n');
    expect(loadPolicyFile(file).adminPorts).toEqual([22]);
  });

  it('a missing file is a PolicyError naming the file', () => {
    const file = join(dir, 'missing.yml');
    expect(() => loadPolicyFile(file)).toThrow(PolicyError);
    expect(() => loadPolicyFile(file)).toThrow(`${file}: cannot read policy file: no such file`);
  });

  it('a directory is a PolicyError', () => {
    expect(() => loadPolicyFile(dir)).toThrow(/is a directory/);
  });

  it('validation errors name the path given', () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'adminPorts: [-1]\n');
    expect(() => loadPolicyFile(file)).toThrow(`${file}: adminPorts[0]: expected a port number 0-65535, got number -1`);
  });
});
