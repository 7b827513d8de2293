/**
 * The `sgwatch` command end to end, as a user runs it: a child process over
 * the shipped events and fixture files, checking output contract and exit codes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, ROOT, runCli } from './run-cli';

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-cli-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const events = path.join(ROOT, 'events');
const inputs = path.join(ROOT, 'test', 'fixtures', 'inputs');

describe('sgwatch replay', () => {
  it('replays the quick start: text lines, a summary, exit 0, records kept under .sgwatch/', async () => {
    const run = await runCli(['replay', events], { cwd: work });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^CRITICAL\s.*AuthorizeSecurityGroupIngress\s+sg-0a1b2c3d4e5f60001\b.*tcp\/22 \(SSH\) from 0\.0\.0\.0\/0 \[public-admin-port\].*would revoke sgr-0a1b2c3d4e5f60011/m);
    expect(run.stdout).toMatch(/^49 events: violation 20 · compliant 23 · ignored 4 · failed-call 2$/m);
    expect(run.stdout).toMatch(/^worst groups:$/m);
    expect(run.stdout).toMatch(/would revoke 9 rules in 8 events/);
    expect(run.stdout).not.toMatch(/RunInstances/); // ignored records are counted, not listed
    expect(fs.existsSync(path.join(work, '.sgwatch', 'store'))).toBe(true);
  });

  it('uses the *.inventory.json beside the samples: the Terraform default-egress Modify is egress (compliant), the SSH Modify is ingress without a caveat; --no-inventory-files goes back to judging both as ingress', async () => {
    const egress = /^compliant .*ModifySecurityGroupRules +sg-0a1b2c3d4e5f60050 /m;
    const withFile = await runCli(['replay', events, '--store', 'memory'], { cwd: work });
    expect(withFile.code).toBe(0);
    expect(withFile.stderr).toBe('');
    expect(withFile.stdout).toMatch(egress);
    expect(withFile.stdout).toMatch(/^CRITICAL .*sg-0a1b2c3d4e5f60021 .*tcp\/22 \(SSH\) from 0\.0\.0\.0\/0 \[public-admin-port\] \+1 more {2}→ would revoke sgr-0a1b2c3d4e5f60211 /m);
    expect(withFile.stdout).not.toMatch(/direction not recorded/);
    expect(withFile.stdout).not.toMatch(/inventory\.json#\d/); // never read as records
    expect(withFile.stdout).not.toMatch(/exposure unknown/); // rules only: nothing said of exposure
    expect(withFile.stdout).toContain(`inventory beside the records: ${path.join(events, 'modify', 'security-group-rules.inventory.json')}`);
    const without = await runCli(['replay', events, '--store', 'memory', '--no-inventory-files'], { cwd: work });
    expect(without.stdout).toMatch(/^CRITICAL .*ModifySecurityGroupRules +sg-0a1b2c3d4e5f60050 .*\(direction not recorded: judged as ingress\)/m);
    expect(without.stdout).toMatch(/^49 events: violation 21 · compliant 22 /m);
    expect(without.stdout).not.toContain('inventory beside the records');
    // Named alone, the record file has no inventory beside it; named with it, it does.
    const one = path.join(events, 'modify', 'modify-default-egress-description.json');
    expect((await runCli(['replay', one, '--store', 'memory'], { cwd: work })).stdout).toMatch(/^CRITICAL /m);
    const both = await runCli(['replay', one, path.join(events, 'modify', 'security-group-rules.inventory.json'), '--store', 'memory'], { cwd: work });
    expect(both.stdout).toMatch(egress);
    expect(both.stdout).toMatch(/^1 event: compliant 1$/m);
  });

  it('a bad *.inventory.json beside the records is an error about that file (exit 2) that says how to leave it out', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'bad-beside-'));
    fs.copyFileSync(path.join(events, 'authorize', 'ssh-open-to-world.json'), path.join(dir, 'ssh.json'));
    fs.writeFileSync(path.join(dir, 'x.inventory.json'), '{"nope": 1}');
    const run = await runCli(['replay', dir, '--store', 'memory'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`sgwatch: inventory beside the records ${path.join(dir, 'x.inventory.json')}: none of SecurityGroups`);
    expect(run.stderr).toContain('--no-inventory-files leaves it out');
    const without = await runCli(['replay', dir, '--store', 'memory', '--no-inventory-files'], { cwd: dir });
    expect(without.code).toBe(0);
    expect(without.stdout).toMatch(/^1 event: violation 1$/m);
  });

  it('the summary counts events, not records: one event in three files is one violation and one planned revoke, on a re-run too', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'same-event-'));
    for (const name of ['a.json', 'b.json', 'c.json']) fs.copyFileSync(path.join(events, 'authorize', 'ssh-open-to-world.json'), path.join(dir, name));
    for (const store of [[], [], ['--store', 'memory']]) {
      const run = await runCli(['replay', dir, ...store], { cwd: dir });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^1 event: violation 1$/m);
      expect(run.stdout).toMatch(/^  \+ 2 records repeating an event already read in this run \(the same eventID\), counted once$/m);
      expect(run.stdout).toMatch(/^by severity: critical 1$/m);
      expect(run.stdout).toMatch(/sg-0a1b2c3d4e5f60001 +critical +1 violation$/m);
      expect(run.stdout).toMatch(/would revoke 1 rule in 1 event$/m);
      expect(run.stdout).toMatch(/^violation: a finding at low or worse/m);
    }
  });

  it('prints one JSON object per record with the contract fields, in input order', async () => {
    const run = await runCli(['replay', path.join(events, 'authorize'), '--format', 'json', '--store', 'memory']);
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    const files = fs.readdirSync(path.join(events, 'authorize')).sort();
    expect(lines.map((l) => path.basename(l.source.split('#')[0]))).toEqual(files);
    const ssh = lines.find((l) => l.source.endsWith('ssh-open-to-world.json#0'))!;
    expect(Object.keys(ssh)).toEqual(
      expect.arrayContaining(['source', 'eventId', 'eventName', 'eventTime', 'account', 'region', 'actor', 'groupId', 'outcome', 'severity', 'findings', 'exceptions', 'remediation']),
    );
    expect(ssh).toMatchObject({
      eventName: 'AuthorizeSecurityGroupIngress',
      account: '111122223333',
      groupId: 'sg-0a1b2c3d4e5f60001',
      outcome: 'violation',
      severity: 'critical',
      actor: { via: 'console' },
      remediation: { mode: 'dry-run', action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60011'], permissions: [] },
    });
    expect(ssh.findings[0]).toMatchObject({ rule: 'public-admin-port', severity: 'critical', direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: '0.0.0.0/0', ruleId: 'sgr-0a1b2c3d4e5f60011' });
  });

  it('--remediate off plans nothing', async () => {
    const run = await runCli(['replay', path.join(events, 'authorize', 'ssh-open-to-world.json'), '--format', 'json', '--store', 'memory', '--remediate', 'off']);
    expect(run.code).toBe(0);
    const [line] = jsonLines(run.stdout);
    expect(line.remediation).toMatchObject({ mode: 'off', action: 'none', ruleIds: [] });
  });

  it('--fail-on exits 1 when a finding reaches the severity, 0 when none does', async () => {
    const critical = await runCli(['replay', events, '--store', 'memory', '--fail-on', 'critical']);
    expect(critical.code).toBe(1);
    const privateOnly = await runCli(['replay', path.join(events, 'authorize', 'ssh-from-private-network.json'), '--store', 'memory', '--fail-on', 'low']);
    expect(privateOnly.code).toBe(0);
  });

  it('reads stdin (-), gzipped too', async () => {
    const record = fs.readFileSync(path.join(events, 'authorize', 'ssh-open-to-world.json'));
    const run = await runCli(['replay', '-', '--format', 'json', '--store', 'memory'], { input: zlib.gzipSync(record) });
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toMatchObject([{ source: '-#0', severity: 'critical' }]);
  });

  it('bad input: one invalid result per bad file naming it, the others still processed, exit 2, no stack trace', async () => {
    const bad = path.join(work, 'broken.json');
    fs.writeFileSync(bad, '{"Records": [ {"eventName": ');
    const good = path.join(events, 'authorize', 'ssh-open-to-world.json');
    const run = await runCli(['replay', bad, good, '--format', 'json', '--store', 'memory']);
    expect(run.code).toBe(2);
    const lines = jsonLines(run.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ source: `${bad}#0`, outcome: 'invalid' });
    expect(lines[0].error).toContain(`${bad}#0: not JSON`);
    expect(lines[1]).toMatchObject({ outcome: 'violation' });
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('every fixture of bad input yields invalid results, never a crash', async () => {
    const run = await runCli(['replay', inputs, '--format', 'json', '--store', 'memory']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('');
    const lines = jsonLines(run.stdout);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines.filter((x) => x.outcome === 'invalid')) expect(l.error).toMatch(/^.+#\d+: /);
    // Every fixture file yields at least one invalid result, and each error names its own record.
    const byFile = new Map<string, Array<Record<string, any>>>();
    for (const l of lines) {
      const file = path.basename(l.source.slice(0, l.source.lastIndexOf('#')));
      byFile.set(file, [...(byFile.get(file) ?? []), l]);
    }
    expect([...byFile.keys()].sort()).toEqual(fs.readdirSync(inputs).sort());
    for (const [file, results] of byFile) {
      expect(results.some((l) => l.outcome === 'invalid'), `${file} yields an invalid result`).toBe(true);
      for (const l of results.filter((x) => x.outcome === 'invalid')) {
        expect(l.error.startsWith(`${l.source}: `), `${l.source}: ${l.error}`).toBe(true);
        expect(l.error.length).toBeGreaterThan(l.source.length + 2);
      }
    }
    // One bad record never stops the good ones around it in the same file.
    for (const file of ['lookup-events-bad-string.json', 'ndjson-with-bad-line.jsonl']) {
      expect(byFile.get(file)!.map((l) => l.outcome), file).toEqual(expect.arrayContaining(['invalid', 'violation', 'ignored']));
    }
  });

  it('text output keeps one line per record whatever the record holds (no forged lines, no terminal escapes)', async () => {
    const record = JSON.parse(fs.readFileSync(path.join(events, 'authorize', 'ssh-open-to-world.json'), 'utf8'));
    const r = record.Records?.[0] ?? record;
    r.userIdentity.arn = 'arn:aws:iam::111122223333:user/evil\n\u001b[31mCRITICAL forged\u202e';
    delete r.userIdentity.userName;
    const file = path.join(work, 'hostile.json');
    fs.writeFileSync(file, JSON.stringify(r));
    const run = await runCli(['replay', file, '--store', 'memory', '--remediate', 'off']);
    expect(run.code).toBe(0);
    const [line, ...rest] = run.stdout.split('\n');
    expect(line).toMatch(/^CRITICAL\s.*  evil \[31mCRITICAL forged via console .*\[public-admin-port\]/);
    expect(run.stdout).not.toMatch(/[\u001b\u202e]/);
    expect(rest.filter((l) => /forged/.test(l))).toEqual([]);
  });

  it('a bad policy file is reported with file and path, exit 2', async () => {
    const policy = path.join(work, 'bad-policy.yml');
    fs.writeFileSync(policy, 'version: 1\nadminPorts: [22, "ssh"]\nrules:\n  public-admin-port:\n    severity: hgih\n');
    const run = await runCli(['replay', events, '--policy', policy, '--store', 'memory']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${policy}: rules.public-admin-port.severity`);
    expect(run.stderr).toContain('adminPorts');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--remediate enforce demands --yes', async () => {
    const run = await runCli(['replay', events, '--remediate', 'enforce', '--store', 'memory']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--yes/);
  });

  it('an exception in a policy file silences the finding and is reported', async () => {
    const policy = path.join(work, 'exception.yml');
    fs.writeFileSync(
      policy,
      ['exceptions:', '  - id: bastion', '    groupId: sg-0a1b2c3d4e5f60001', '    port: 22', '    reason: public bastion, ticket SEC-1', '    until: "2030-01-01"'].join('\n'),
    );
    const run = await runCli(['replay', path.join(events, 'authorize', 'ssh-open-to-world.json'), '--policy', policy, '--format', 'json', '--store', 'memory']);
    expect(run.code).toBe(0);
    const [line] = jsonLines(run.stdout);
    expect(line.outcome).toBe('compliant');
    expect(line.remediation.action).toBe('none');
    expect(line.exceptions).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'bastion', rule: 'public-admin-port', reason: 'public bastion, ticket SEC-1' })]));
  });
});

describe('sgwatch policy', () => {
  it('show prints the effective default policy, which validates', async () => {
    const show = await runCli(['policy', 'show']);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/adminPorts:/);
    const file = path.join(work, 'effective.yml');
    fs.writeFileSync(file, show.stdout);
    const validate = await runCli(['policy', 'validate', file]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain(`${file}: valid policy`);
  });

  it('validate names the file, the path and what is expected; exit 2 (bad input, as replay --policy)', async () => {
    const file = path.join(work, 'typo.yml');
    fs.writeFileSync(file, 'trustedCidrs: [10.0.0.0/33]\nexceptoins: []\n');
    const run = await runCli(['policy', 'validate', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}: trustedCidrs[0]`);
    expect(run.stderr).toContain('exceptoins');
  });
});

describe('sgwatch replay: one process per store folder', () => {
  it('a second process on a store in use exits 2 with a one-line reason, and leaves the store intact', async () => {
    const { openLevelStore } = await import('../../lib/store/level');
    const dir = fs.mkdtempSync(path.join(work, 'busy-'));
    fs.mkdirSync(path.join(dir, '.sgwatch'));
    const held = await openLevelStore({ path: path.join(dir, '.sgwatch', 'store') });
    try {
      const run = await runCli(['replay', path.join(events, 'authorize', 'ssh-open-to-world.json'), '--state-dir', dir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^sgwatch: the store at .*\.sgwatch\/store is in use by another sgwatch process/m);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(run.stdout).toBe('');
    } finally {
      await held.close();
    }
    // Once the first process is gone, the same command runs and stores.
    const again = await runCli(['replay', path.join(events, 'authorize', 'ssh-open-to-world.json'), '--state-dir', dir, '--format', 'json']);
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout)[0].pipeline).toMatchObject({ record: 'stored' });
    const rerun = await runCli(['replay', path.join(events, 'authorize', 'ssh-open-to-world.json'), '--state-dir', dir, '--format', 'json']);
    expect(jsonLines(rerun.stdout)[0].pipeline).toMatchObject({ record: 'duplicate' });
  });
});
