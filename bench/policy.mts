/**
 * Policy matching at hostile scale (issue 11), each case in a fresh process:
 *
 *   glob:        1,000 ARN patterns x 1,000 long ARNs (100-400 characters),
 *                plain patterns (`arn:aws:iam::*:role/ci`, the floor) beside
 *                hostile ones (star runs, `*a*a*a*b`, `?*?*`); before the
 *                linear matcher one such pattern took > 120 s on a 99-character ARN.
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

export interface PolicyBench {
  globPlain: GlobCase;
  globHostile: GlobCase;
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
  return { globPlain: child<GlobCase>('glob-plain'), globHostile: child<GlobCase>('glob-hostile') };
}

export function printPolicyReport(r: PolicyBench): void {
  const g = (name: string, c: GlobCase) =>
    console.log(`  ${name.padEnd(26)} ${c.patterns} x ${c.arns}: ${c.ms.toFixed(0).padStart(6)} ms  ${c.nsPerMatch.toFixed(0).padStart(5)} ns/match  (${c.matches} matches)`);
  g('glob, plain patterns', r.globPlain);
  g('glob, hostile patterns', r.globHostile);
  console.log(`  hostile/plain = ${(r.globHostile.ms / r.globPlain.ms).toFixed(2)}`);
}

const cases: Record<string, () => Promise<unknown>> = {
  'glob-plain': () => globCase('plain'),
  'glob-hostile': () => globCase('hostile'),
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
