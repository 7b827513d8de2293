/** `sgwatch policy show --account` (issue 10): the effective policy of one account, and replay's mode ceiling. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jsonLines, ROOT, runCli } from './run-cli';

const dir = mkdtempSync(join(tmpdir(), 'sgwatch-show-account-'));
const policyFile = join(dir, 'org.yml');
writeFileSync(
  policyFile,
  'organizationalUnits:\n  ou-ab12-prod0001: ["111122223333"]\noverrides:\n  ou-ab12-prod0001:\n    remediationMode: enforce\n    adminPorts: [22, 2222]\n  "111122223333":\n    trustedCidrs: [198.51.100.0/24]\n',
);

describe('sgwatch policy show --account', () => {
  it('prints the effective policy with the overrides applied, in order, and the mode', async () => {
    const run = await runCli(['policy', 'show', '--policy', policyFile, '--account', '111122223333']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('# account 111122223333, in ou-ab12-prod0001 (organizationalUnits:)');
    expect(run.stdout).toContain('# overrides applied, in order: ou-ab12-prod0001, 111122223333');
    expect(run.stdout).toContain('# remediation mode: enforce');
    const shown = parse(run.stdout);
    expect(shown.adminPorts).toEqual([22, 2222]);
    expect(shown.trustedCidrs).toEqual(['198.51.100.0/24']);
    expect(shown.overrides).toBeUndefined();
  });

  it('an explicit --ou path replaces the static map; a bad account id is exit 2', async () => {
    const run = await runCli(['policy', 'show', '--policy', policyFile, '--account', '111122223333', '--ou', 'ou-ab12-other001']);
    expect(run.stdout).toContain('# overrides applied, in order: 111122223333');
    expect(parse(run.stdout).adminPorts).not.toContain(2222);
    const bad = await runCli(['policy', 'show', '--policy', policyFile, '--account', '1111']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--account: expected a 12-digit AWS account id, got "1111"');
  });

  it('replay never revokes because an override says enforce: its --mode is the ceiling', async () => {
    const run = await runCli(['replay', '--store', 'memory', '--format', 'json', '--policy', policyFile, join(ROOT, 'events/authorize/ssh-open-to-world.json')]);
    expect(run.code).toBe(0);
    const [line] = jsonLines(run.stdout);
    expect(line.account).toBe('111122223333');
    expect(line.remediation).toMatchObject({ mode: 'dry-run', action: 'revoke' });
  });
});
