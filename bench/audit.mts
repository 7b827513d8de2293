/**
 * The audit at the scale of a large account (issue 6): a synthetic sgwatch
 * inventory snapshot of G groups, 10 rules per group and 2 interfaces per
 * group (10,000 / 100,000 / 20,000 at full size), audited
 *
 *   floor:   read + JSON.parse of the snapshot (what any tool pays)
 *   library: parse + judgeStanding (every rule judged, no store)
 *   cli:     `sgwatch audit --inventory FILE --format json`, as users run it:
 *            the default embedded store in a fresh folder, output to /dev/null
 *
 * at 1/10, 1/2 and full size, each in a fresh process, so the growth shows
 * (target: linear; full size under 5 s and 400 MB).
 *
 *   npx tsx bench/audit.mts            (also run by `npm run bench`)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const here = path.dirname(self);
const root = path.join(here, '..');
const outDir = path.join(here, 'out');

export interface AuditCase {
  groups: number;
  rules: number;
  interfaces: number;
  fileMb: number;
  floorMs: number;
  floorRssMb: number;
  libraryMs: number;
  libraryRssMb: number;
  cliMs: number;
  cliRssMb: number;
  findings: number;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** A realistic mix: most rules private or approved; 1 in 20 SSH to the world, some via prefix lists, IPv6, group references; interfaces on 3 of 4 groups, 1 in 8 public. */
export function syntheticSnapshot(groups: number) {
  const account = '111122223333';
  const securityGroups: Array<Record<string, unknown>> = [];
  const securityGroupRules: Array<Record<string, unknown>> = [];
  const networkInterfaces: Array<Record<string, unknown>> = [];
  const lists = Array.from({ length: 20 }, (_, i) => ({
    PrefixListId: `pl-${hex(i, 17)}`,
    PrefixListName: `partners-${i}`,
    OwnerId: account,
    Entries: Array.from({ length: 5 }, (_, j) => ({ Cidr: i === 7 && j === 4 ? '0.0.0.0/0' : `198.51.${i}.${j * 16}/28`, Description: `partner ${j}` })),
  }));
  let rule = 0;
  for (let g = 0; g < groups; g++) {
    const GroupId = `sg-${hex(g, 17)}`;
    const VpcId = `vpc-${hex(g % 50, 17)}`;
    securityGroups.push({ GroupId, GroupName: g % 50 === 0 ? 'default' : `svc-${g}`, VpcId, OwnerId: account, Description: 'bench', Tags: g % 97 === 0 ? [{ Key: 'sgwatch:exception', Value: '*;2099-12-31;bench waiver' }] : [] });
    for (let r = 0; r < 10; r++, rule++) {
      const base = { SecurityGroupRuleId: `sgr-${hex(rule, 17)}`, GroupId, GroupOwnerId: account, IsEgress: r === 9, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: r % 3 ? 'app' : undefined, Tags: [] };
      const k = (rule * 7919) % 100;
      if (r === 9) securityGroupRules.push({ ...base, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' });
      else if (k < 5) securityGroupRules.push({ ...base, FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' });
      else if (k < 10) securityGroupRules.push({ ...base, FromPort: 22, ToPort: 22, PrefixListId: lists[k % 20]!.PrefixListId });
      else if (k < 15) securityGroupRules.push({ ...base, CidrIpv6: '::/0' });
      else if (k < 25) securityGroupRules.push({ ...base, ReferencedGroupInfo: { GroupId: `sg-${hex((g + 1) % groups, 17)}`, UserId: account } });
      else if (k < 35) securityGroupRules.push({ ...base, CidrIpv4: '0.0.0.0/0' });
      else securityGroupRules.push({ ...base, FromPort: 5432, ToPort: 5432, CidrIpv4: `10.${g % 256}.${r}.0/24` });
    }
    // 2 interfaces per group on average: 4 on 1 group in 10, none on 1 in 10 (unattached), 2 on the rest; 1 in 8 public.
    const count = g % 10 === 9 ? 0 : g % 10 === 0 ? 4 : 2;
    for (let n = 0; n < count; n++) {
      const i = networkInterfaces.length;
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      networkInterfaces.push({
        NetworkInterfaceId: `eni-${hex(i, 17)}`,
        InterfaceType: 'interface',
        AvailabilityZone: 'eu-west-1a',
        OwnerId: account,
        Groups: [{ GroupId, GroupName: `svc-${g}` }],
        PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true, ...(i % 8 === 0 ? { Association: { PublicIp: `3.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` } } : {}) }],
        Ipv6Addresses: [],
      });
    }
  }
  return { kind: 'sgwatch-inventory', version: 1, collectedAt: '2026-12-07T06:00:00.000Z', account, region: 'eu-west-1', securityGroups, securityGroupRules, networkInterfaces, prefixLists: lists };
}

function fileFor(groups: number): string {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `inventory-${groups}.json`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify(syntheticSnapshot(groups)));
  return file;
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;

async function floorCase(file: string) {
  const start = process.hrtime.bigint();
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, rssMb: rssMb(), n: json.securityGroupRules.length, interfaces: json.networkInterfaces.length };
}

async function libraryCase(file: string) {
  // The bundled library (dist/cli.js, what the CLI runs), as bench/policy.mts does.
  const { createRequire } = await import('node:module');
  const { loadInventoryData, judgeStanding, defaultPolicy } = createRequire(import.meta.url)('../dist/cli.js') as typeof import('../bin/cli');
  const policy = defaultPolicy();
  const start = process.hrtime.bigint();
  const { data, source } = loadInventoryData([file]);
  const audits = judgeStanding(data, { policy, now: new Date('2026-12-07T06:00:00Z'), source });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, rssMb: rssMb(), findings: audits.reduce((n, a) => n + a.findings.length, 0) };
}

function child<T>(kase: string, file: string): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, kase, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/audit.mts ${kase} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function cli(file: string): { ms: number; rssMb: number } {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-bench-audit-'));
  const rssFile = path.join(cwd, 'rss.txt');
  try {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [path.join(root, 'bin/sgwatch.js'), 'audit', '--inventory', file, '--format', 'json'], {
      cwd,
      env: { ...process.env, NODE_OPTIONS: `--require ${path.join(here, 'rss.cjs')}`, SGWATCH_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'],
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`sgwatch audit exited ${r.status}: ${r.stderr}`);
    return { ms, rssMb: Number(fs.readFileSync(rssFile, 'utf8')) };
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

export async function benchAudit(sizes = (process.env.BENCH_AUDIT_GROUPS ?? '1000,5000,10000').split(',').map(Number)): Promise<AuditCase[]> {
  const out: AuditCase[] = [];
  for (const groups of sizes) {
    const file = fileFor(groups);
    const floor = child<{ ms: number; rssMb: number; n: number; interfaces: number }>('floor', file);
    const lib = child<{ ms: number; rssMb: number; findings: number }>('library', file);
    const c = cli(file);
    out.push({
      groups,
      rules: floor.n,
      interfaces: floor.interfaces,
      fileMb: fs.statSync(file).size / 1e6,
      floorMs: floor.ms,
      floorRssMb: floor.rssMb,
      libraryMs: lib.ms,
      libraryRssMb: lib.rssMb,
      cliMs: c.ms,
      cliRssMb: c.rssMb,
      findings: lib.findings,
    });
  }
  return out;
}

export function printAuditReport(cases: AuditCase[]): void {
  for (const c of cases) {
    console.log(
      `  ${String(c.groups).padStart(6)} groups, ${String(c.rules).padStart(7)} rules, ${String(c.interfaces).padStart(6)} interfaces (${c.fileMb.toFixed(0)} MB): ` +
        `floor ${(c.floorMs / 1000).toFixed(2)} s / ${c.floorRssMb.toFixed(0)} MB; library ${(c.libraryMs / 1000).toFixed(2)} s / ${c.libraryRssMb.toFixed(0)} MB; ` +
        `sgwatch audit (default store) ${(c.cliMs / 1000).toFixed(2)} s / ${c.cliRssMb.toFixed(0)} MB; ${c.findings} findings`,
    );
  }
  // Linear growth: the marginal cost per rule between consecutive sizes stays flat (the fixed start-up cost cancels out).
  for (let i = 1; i < cases.length; i++) {
    const a = cases[i - 1]!;
    const b = cases[i]!;
    const per = (x: number, y: number) => (((y - x) * 1000) / (b.rules - a.rules)).toFixed(1);
    console.log(`  ${a.rules} -> ${b.rules} rules: +${per(a.cliMs, b.cliMs)} µs per rule (CLI), +${per(a.libraryMs, b.libraryMs)} µs (library), +${per(a.floorMs, b.floorMs)} µs (floor)`);
  }
}

if (process.argv[1] === self) {
  const [kase, file] = process.argv.slice(2);
  if (kase === 'floor' && file) console.log(JSON.stringify(await floorCase(file)));
  else if (kase === 'library' && file) console.log(JSON.stringify(await libraryCase(file)));
  else printAuditReport(await benchAudit());
}
