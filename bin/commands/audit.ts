/**
 * `sgwatch audit --inventory FILE...` (offline) or `sgwatch audit --region R
 * [--profile P]` (live, read-only with your credentials): every standing rule
 * judged as a change adding it would be (lib/audit/judge-standing.ts), then
 * compared with the last audit kept in the store (the embedded one by
 * default), so that a second run of an unchanged account reports nothing
 * new; the new snapshot is stored after the comparison (--no-save: compare
 * only).
 *
 * --format json: one line per finding (`kind: finding`, `status: new |
 * standing`), one per resolved finding (`kind: resolved`), then one summary
 * line per (account, region). --format csv | ocsf: bin/output/audit-formats.ts.
 * --fail-on SEVERITY exits 1 when a current
 * finding (new or standing) is at or above it.
 */
import { SEVERITIES, type Severity } from '../../lib/model';
import { severityAtLeast } from '../../lib/policy/severity';
import type { AuditReport } from '../../lib/audit/report';
import type { StandingFinding } from '../../lib/audit/judge-standing';
import { stripControl } from '../../lib/alerts/escape';
import { UserError } from './errors';
import { rolePatternProblem } from '../../lib/org/role-pattern';
import { isAccountId } from '../../lib/aws-ids';
import type { AwsFlags } from './aws-flags';
import { openStore, type StoreFlags } from './local-pipeline';
import { resolvePolicy } from './policy';
import { palette, useColor } from '../output/colors';
import { LineWriter } from '../output/writer';

export interface AuditFlags extends StoreFlags, AwsFlags {
  inventory?: string[];
  policy?: string;
  format: 'text' | 'json' | 'csv' | 'ocsf';
  failOn?: Severity;
  save?: boolean;
  color?: boolean;
  /** Organisation-wide: audit each --account through this role (`{account}` filled in). */
  assumeRoleArn?: string;
  account?: string[];
}

async function liveData(flags: AuditFlags) {
  const { collectLive } = await import('./inventory');
  const { addInventoryJson, emptyInventoryData } = await import('../../lib/context/inventory-file');
  const { EC2_INVENTORY_SOURCE } = await import('../../lib/context/ec2-inventory');
  const data = emptyInventoryData();
  addInventoryJson(EC2_INVENTORY_SOURCE, await collectLive(flags, 'audit'), data);
  return { data, source: EC2_INVENTORY_SOURCE as string };
}

/** `--assume-role-arn P --account A…`: each account's inventory through its role; the failed accounts are reported and the rest audited. */
async function accountsData(flags: AuditFlags, pattern: string, accounts: string[]) {
  const { collectLiveAccounts } = await import('./inventory');
  const { addInventoryJson, emptyInventoryData } = await import('../../lib/context/inventory-file');
  const { EC2_INVENTORY_SOURCE } = await import('../../lib/context/ec2-inventory');
  const { snapshots, failures } = await collectLiveAccounts(flags, 'audit', pattern, accounts);
  for (const f of failures) process.stderr.write(`sgwatch: ${f}\n`);
  if (snapshots.length === 0) throw new UserError(`audit: no account could be read (${failures.length} failed)`, 3);
  const data = emptyInventoryData();
  for (const s of snapshots) addInventoryJson(EC2_INVENTORY_SOURCE, s, data);
  return { data, source: EC2_INVENTORY_SOURCE as string, failed: failures.length };
}

function checkAccountFlags(flags: AuditFlags, files: string[]): { pattern: string; accounts: string[] } | undefined {
  const accounts = flags.account ?? [];
  if (flags.assumeRoleArn === undefined) {
    if (accounts.length > 0) throw new UserError('audit: --account needs --assume-role-arn (the role to read each account through)');
    return undefined;
  }
  if (files.length > 0) throw new UserError('audit: --assume-role-arn reads accounts live; it does not go with --inventory');
  const problem = rolePatternProblem(flags.assumeRoleArn);
  if (problem) throw new UserError(problem);
  if (accounts.length === 0) throw new UserError('audit: --assume-role-arn needs the accounts to audit: --account 111122223333 [--account …]');
  for (const a of accounts) if (!isAccountId(a)) throw new UserError(`--account: expected a 12-digit AWS account id, got ${JSON.stringify(a)}`);
  return { pattern: flags.assumeRoleArn, accounts: [...new Set(accounts)] };
}

async function fileData(files: string[]) {
  const { loadInventoryData, InventoryFileError } = await import('../../lib/context/inventory-file');
  try {
    return loadInventoryData(files);
  } catch (err) {
    if (err instanceof InventoryFileError) throw new UserError(`--inventory ${err.message}`);
    throw err;
  }
}

const line = (kind: 'finding' | 'resolved', f: StandingFinding, status?: 'new' | 'standing') => JSON.stringify({ kind, ...(status ? { status } : {}), ...f });

function summaryJson(r: AuditReport) {
  return {
    kind: 'summary',
    account: r.scope.account,
    region: r.scope.region,
    auditedAt: r.auditedAt,
    previousAuditAt: r.previousAt ?? null,
    groups: r.groups,
    rules: r.rules,
    findings: Object.fromEntries([...SEVERITIES].reverse().map((s) => [s, r.counts[s]])),
    new: r.new.length,
    standing: r.standing.length,
    resolved: r.resolved.length,
    worstGroups: r.worstGroups,
  };
}

function textReport(r: AuditReport, color: boolean): string {
  const p = palette(color);
  const safe = (s: string | null | undefined) => stripControl(s ?? '', true);
  const ports = (f: StandingFinding) => (f.protocol === '-1' ? 'all traffic' : f.fromPort === null ? f.protocol : f.fromPort === f.toPort ? `${f.protocol}/${f.fromPort}` : `${f.protocol}/${f.fromPort}-${f.toPort}`);
  // Short lines, so that 80 columns hold each without splitting an id: what and where, the
  // policy rule and the exposure, then the rule itself.
  const one = (label: string, f: StandingFinding) =>
    `${p.severity(f.severity, 'violation')(label.padEnd(9))} ${f.severity.toUpperCase().padEnd(8)} ${safe(f.groupId)}${f.groupName ? ` (${safe(f.groupName)})` : ''} ${safe(f.ruleId)}\n` +
    `          ${f.rule} · ${p.dim(f.exposure)}\n` +
    `          ${f.direction === 'egress' ? 'egress ' : ''}${ports(f)} ${f.direction === 'egress' ? 'to' : 'from'} ${safe(f.source)}${f.prefixListEntry ? ` (entry ${safe(f.prefixListEntry)})` : ''}`;
  const out: string[] = [];
  for (const f of r.new) out.push(one('NEW', f));
  for (const f of r.standing) out.push(one('standing', f));
  for (const f of r.resolved) out.push(`${'RESOLVED'.padEnd(9)} ${f.severity.toUpperCase().padEnd(8)} ${safe(f.groupId)} ${safe(f.ruleId)}\n          ${f.rule}`);
  const counts = [...SEVERITIES].reverse().filter((s) => r.counts[s] > 0).map((s) => `${r.counts[s]} ${s}`);
  out.push(`audit of ${safe(r.scope.account)}/${safe(r.scope.region)}: ${r.groups} groups, ${r.rules} rules`);
  out.push(`  findings: ${counts.length ? counts.join(', ') : 'none'}`);
  out.push(`  ${r.new.length} new, ${r.standing.length} standing, ${r.resolved.length} resolved${r.previousAt ? ` since ${r.previousAt}` : ' (first audit)'}`);
  if (r.worstGroups.length) {
    out.push('  worst groups:');
    for (const g of r.worstGroups) out.push(`    ${safe(g.groupId)}${g.groupName ? ` (${safe(g.groupName)})` : ''} ${g.severity} ×${g.findings}`);
  }
  return out.join('\n') + '\n';
}

export async function auditCommand(flags: AuditFlags): Promise<number> {
  const files = flags.inventory ?? [];
  if (files.length > 0 && flags.region) throw new UserError('audit: give either --inventory FILE... (offline) or --region (live), not both');
  const policy = resolvePolicy(flags.policy);
  const many = checkAccountFlags(flags, files);
  const got: { data: Awaited<ReturnType<typeof liveData>>['data']; source: string; failed?: number } = many
    ? await accountsData(flags, many.pattern, many.accounts)
    : files.length > 0
      ? await fileData(files)
      : await liveData(flags);
  const { data, source, failed = 0 } = got;
  const { judgeStanding } = await import('../../lib/audit/judge-standing');
  const { auditAgainstLast } = await import('../../lib/audit/report');
  const now = new Date();
  const audits = judgeStanding(data, { policy, now, source });
  const opened = await openStore(flags);
  let reports: AuditReport[];
  try {
    const store = opened.store;
    if (!store.latestAudit || !store.putAudit) throw new UserError(`audit: the store ${opened.where} keeps no audit snapshots`);
    reports = await auditAgainstLast(audits, { latestAudit: store.latestAudit.bind(store), putAudit: store.putAudit.bind(store) }, now.toISOString(), { keep: flags.save !== false });
  } finally {
    await opened.close();
  }
  // One writer for every format: a closed pipe (`| head`) ends the output quietly, JSON is terminal-safe.
  const out = new LineWriter(process.stdout, { json: flags.format === 'json' || flags.format === 'ocsf' });
  if (flags.format === 'csv' || flags.format === 'ocsf') {
    const { auditCsvHeader, auditCsvRows, auditOcsfFindings } = await import('../output/audit-formats');
    if (flags.format === 'csv') await out.line((auditCsvHeader() + reports.map(auditCsvRows).join('')).replace(/\n$/, ''));
    else for (const r of reports) for (const o of auditOcsfFindings(r)) await out.line(JSON.stringify(o));
  } else {
    for (const r of reports) {
      if (flags.format === 'json') {
        for (const f of r.new) await out.line(line('finding', f, 'new'));
        for (const f of r.standing) await out.line(line('finding', f, 'standing'));
        for (const f of r.resolved) await out.line(line('resolved', f));
        await out.line(JSON.stringify(summaryJson(r)));
      } else {
        await out.line(textReport(r, useColor(flags.color !== false, process.stdout)).replace(/\n$/, ''));
      }
    }
  }
  await out.flush();
  const failOn = flags.failOn;
  if (failOn) {
    const by = new Map<Severity, number>();
    for (const r of reports) for (const f of [...r.new, ...r.standing]) if (severityAtLeast(f.severity, failOn)) by.set(f.severity, (by.get(f.severity) ?? 0) + 1);
    const n = [...by.values()].reduce((a, b) => a + b, 0);
    if (n > 0) {
      const parts = [...SEVERITIES].reverse().filter((s) => by.has(s)).map((s) => `${by.get(s)} ${s}`);
      process.stderr.write(`sgwatch: --fail-on ${failOn}: ${n} finding${n === 1 ? '' : 's'} at or above ${failOn} (${parts.join(', ')})\n`);
      return failed > 0 ? 3 : 1;
    }
  }
  // Some accounts could not be read (each named on stderr): the audit of the others is above.
  return failed > 0 ? 3 : 0;
}
