/**
 * Policy matching at hostile scale (issue 11), each case in a fresh process:
 *
 *   glob:        1,000 ARN patterns x 1,000 long ARNs (100-400 characters),
 *                plain patterns (`arn:aws:iam::*:role/ci`, the floor) beside
 *                hostile ones (star runs, `*a*a*a*b`, `?*?*`); before the
 *                linear matcher one such pattern took > 120 s on a 99-character ARN.
 *
 *   exceptions:  a policy of 100,000 exceptions (per-group waivers over
 *                10,000 groups, 1 in 10 naming no group): validate, compile,
 *                then judge 10,000 SSH-to-the-world changes, with the group
 *                index (the default) beside a search of the whole list and
 *                beside a policy without exceptions (the floor).
 *
 *   npx tsx bench/policy.mts            (also run by `npm run bench`)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

export interface GlobCase {
  patterns: number;
  arns: number;
  ms: number;
  nsPerMatch: number;
  matches: number;
}

export interface ExceptionsCase {
  exceptions: number;
  changes: number;
  validateMs: number;
  compileMs: number;
  /** Judging with the group index (what evaluate does). */
  indexedMs: number;
  /** The same findings, searched over the whole list (what it did before). */
  wholeListMs: number;
  /** Judging the same changes with no exceptions at all. */
  floorMs: number;
  excepted: number;
  rssMb: number;
}

export interface PolicyBench {
  globPlain: GlobCase;
  globHostile: GlobCase;
  exceptions: ExceptionsCase;
}

async function exceptionsCase(): Promise<ExceptionsCase> {
  // The bundle (npm run bench builds it): the policy module imports its YAML default as an esbuild text asset.
  const { createRequire } = await import('node:module');
  const cli = createRequire(import.meta.url)('../dist/cli.js') as typeof import('../bin/cli');
  const { policyFromObject, evaluate, compilePolicy, findException } = cli;
  const group = (i: number) => `sg-0${i.toString(16).padStart(16, '0')}`;
  const N = 100_000;
  const exceptions = Array.from({ length: N }, (_, i) =>
    i % 10 === 0 ? { id: `ex-${i}`, reason: 'waiver', protocol: 'udp', port: 1000 + (i % 50_000) } : { id: `ex-${i}`, reason: 'waiver', groupId: group(i % 10_000), port: 8000 + (i % 1000) },
  );
  let t = process.hrtime.bigint();
  const policy = policyFromObject({ exceptions }, 'bench.yml');
  const validateMs = Number(process.hrtime.bigint() - t) / 1e6;
  t = process.hrtime.bigint();
  const cp = compilePolicy(policy);
  const compileMs = Number(process.hrtime.bigint() - t) / 1e6;
  const floor = policyFromObject({}, 'none.yml');
  const M = 10_000;
  const changes = Array.from({ length: M }, (_, i) => ({
    eventId: `e-${i}`, eventName: 'AuthorizeSecurityGroupIngress', eventTime: '2025-01-01T00:00:00Z', account: '111122223333', region: 'us-east-1',
    eventSource: 'ec2.amazonaws.com', actor: { via: 'cli' as const, arn: 'arn:aws:iam::111122223333:user/a' }, kind: 'authorize' as const, groupId: group(i % 10_000),
    rules: [{ action: 'add' as const, direction: 'ingress' as const, protocol: 'tcp', fromPort: 8000 + (i % 2000), toPort: 8000 + (i % 2000), source: { kind: 'cidr4' as const, cidr: '0.0.0.0/0' }, description: 'x' }],
  }));
  const time = (f: () => void) => {
    const s = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - s) / 1e6;
  };
  let excepted = 0;
  const indexedMs = time(() => {
    for (const c of changes) excepted += evaluate(c, policy).exceptions.length;
  });
  const floorMs = time(() => {
    for (const c of changes) evaluate(c, floor);
  });
  const wholeListMs = time(() => {
    for (const c of changes) for (const f of evaluate(c, floor).findings) findException(cp.exceptions, f, c, 0, cp.classifier);
  });
  return { exceptions: N, changes: M, validateMs, compileMs, indexedMs, wholeListMs, floorMs, excepted, rssMb: Math.round(process.memoryUsage().rss / 1048576) };
}

function longArns(n: number): string[] {
  const out: string[] = [];
  const tails = [':role/ci', ':role/cj', 'b', 'c', ':x', ':y', ''];
  for (let i = 0; i < n; i++) {
    const len = 100 + (i % 300);
    const filler = i % 3 === 0 ? 'a'.repeat(len) : i % 3 === 1 ? ':a'.repeat(len >> 1) : 'ab:'.repeat(Math.floor(len / 3));
    const tail = tails[i % tails.length]!;
    out.push(i % 2 === 0 ? `arn:aws:iam::${filler}${tail}` : `${filler}${tail}`);
  }
  return out;
}

function hostilePatterns(n: number): string[] {
  const families = [
    (k: number) => `arn:aws:iam::${'*'.repeat(k)}:role/ci`,
    (k: number) => `${'*a'.repeat(k)}*b`,
    (k: number) => `${'*:'.repeat(k)}x`,
    (k: number) => `${'?*'.repeat(k)}**:role/ci`,
  ];
  return Array.from({ length: n }, (_, i) => families[i % families.length]!(1 + (Math.floor(i / families.length) % 40)));
}

async function globCase(kind: 'plain' | 'hostile'): Promise<GlobCase> {
  const { compileGlob } = await import('../lib/policy/glob');
  const patterns = kind === 'plain' ? Array.from({ length: 1000 }, (_, i) => `arn:aws:iam::*:role/ci${i % 10 === 0 ? '' : i}`) : hostilePatterns(1000);
  const arns = longArns(1000);
  const start = process.hrtime.bigint();
  let matches = 0;
  for (const p of patterns) {
    const g = compileGlob(p);
    for (const a of arns) if (g.test(a)) matches++;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { patterns: patterns.length, arns: arns.length, ms, nsPerMatch: (ms * 1e6) / (patterns.length * arns.length), matches };
}

function child<T>(kase: string): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, kase], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/policy.mts ${kase} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export async function benchPolicy(): Promise<PolicyBench> {
  return { globPlain: child<GlobCase>('glob-plain'), globHostile: child<GlobCase>('glob-hostile'), exceptions: child<ExceptionsCase>('exceptions') };
}

export function printPolicyReport(r: PolicyBench): void {
  const g = (name: string, c: GlobCase) =>
    console.log(`  ${name.padEnd(26)} ${c.patterns} x ${c.arns}: ${c.ms.toFixed(0).padStart(6)} ms  ${c.nsPerMatch.toFixed(0).padStart(5)} ns/match  (${c.matches} matches)`);
  g('glob, plain patterns', r.globPlain);
  g('glob, hostile patterns', r.globHostile);
  console.log(`  hostile/plain = ${(r.globHostile.ms / r.globPlain.ms).toFixed(2)}`);
  const e = r.exceptions;
  console.log(`  exceptions: ${e.exceptions} validated in ${e.validateMs.toFixed(0)} ms, compiled in ${e.compileMs.toFixed(0)} ms (RSS ${e.rssMb} MB)`);
  console.log(
    `    judging ${e.changes} changes: indexed (default) ${e.indexedMs.toFixed(0)} ms, floor (no exceptions) ${e.floorMs.toFixed(0)} ms, whole-list search ${e.wholeListMs.toFixed(0)} ms; ${e.excepted} findings excepted`,
  );
}

const cases: Record<string, () => Promise<unknown>> = {
  'glob-plain': () => globCase('plain'),
  'glob-hostile': () => globCase('hostile'),
  exceptions: () => exceptionsCase(),
};

if (process.argv[1] === self) {
  const kase = process.argv[2];
  if (kase !== undefined && Object.hasOwn(cases, kase)) {
    console.log(JSON.stringify(await cases[kase]!()));
  } else {
    const r = await benchPolicy();
    printPolicyReport(r);
  }
}
