/**
 * `npm run bench`: throughput and memory of sgwatch on generated CloudTrail logs.
 *
 *  (a) reading + gunzip + JSON.parse alone          — the floor any tool pays
 *  (b) the library: read, normalise, evaluate        — target b/a ≤ 2
 *  (c) the CLI end to end, `--format json`, as users run it: the default
 *      embedded store (LevelDB under .sgwatch/store, in a fresh folder so
 *      every record is new and stored)             — target c/a ≤ 4, peak RSS ≤ 300 MB
 *  (d) the same with `--store memory` (nothing on disk), to show what the store costs
 * at 10,000 and 100,000 records (cost must grow linearly), each in a fresh
 * process, best of RUNS runs; then the same (a), (c), (d) on issue 7's mixes: one
 * plain 100,000-record file, quiet and stress accounts, and 1,000,000 records.
 * Results go to stdout and bench/out/results.json.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const outDir = path.join(here, 'out');
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const { generate } = require('./generate.cjs');

interface Measure {
  records: number;
  ms: number;
  maxRssMb: number;
}

function node(args: string[], env: NodeJS.ProcessEnv = {}): { stdout: string; status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function measureInProcess(mode: 'parse' | 'library', dir: string): Measure {
  const r = node([path.join(here, 'measure.cjs'), mode, dir]);
  if (r.status !== 0) throw new Error(`measure ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function measureCli(dir: string, records: number, extra: string[] = []): Measure {
  const rssFile = path.join(outDir, 'cli-rss.txt');
  // A fresh working folder per run: the default store is .sgwatch/store under it, and a store
  // left by an earlier run would make every record a duplicate.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-bench-'));
  try {
    return measureCliIn(cwd, rssFile, dir, records, extra);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

function measureCliIn(cwd: string, rssFile: string, dir: string, records: number, extra: string[]): Measure {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'bin/sgwatch.js'), 'replay', dir, '--format', 'json', '--no-progress', ...extra],
    {
      cwd,
      env: { ...process.env, NODE_OPTIONS: `--require ${path.join(here, 'rss.cjs')}`, SGWATCH_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'],
      encoding: 'utf8',
    },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`CLI exited ${r.status}: ${r.stderr}`);
  return { records, ms, maxRssMb: Number(fs.readFileSync(rssFile, 'utf8')) };
}

function best(fn: () => Measure): Measure {
  let b: Measure | undefined;
  for (let i = 0; i < RUNS; i++) {
    const m = fn();
    if (!b || m.ms < b.ms) b = { ...m, maxRssMb: Math.max(m.maxRssMb, b?.maxRssMb ?? 0) };
  }
  return b!;
}

const rate = (m: Measure) => Math.round(m.records / (m.ms / 1000));
const mb = (n: number) => `${n.toFixed(0)} MB`;

fs.mkdirSync(outDir, { recursive: true });
const report: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, runs: RUNS, sizes: {} };
console.log(`sgwatch bench — node ${process.version}, ${os.cpus().length} cpus, best of ${RUNS}\n`);

const perSize: Record<number, { a: Measure; b: Measure; c: Measure; d: Measure }> = {};
for (const n of SIZES) {
  const dir = path.join(outDir, `log-${n}`);
  const bytes = generate(dir, n);
  const a = best(() => measureInProcess('parse', dir));
  const b = best(() => measureInProcess('library', dir));
  const c = best(() => measureCli(dir, n));
  const d = best(() => measureCli(dir, n, ['--store', 'memory']));
  perSize[n] = { a, b, c, d };
  console.log(`${n.toLocaleString('en')} records (${(bytes / 1e6).toFixed(0)} MB of JSON in ${fs.readdirSync(dir).length} gzipped files)`);
  console.log(`  (a) read + JSON.parse      ${String(rate(a)).padStart(8)} records/s  ${a.ms.toFixed(0).padStart(6)} ms  peak ${mb(a.maxRssMb)}`);
  console.log(`  (b) library               ${String(rate(b)).padStart(8)} records/s  ${b.ms.toFixed(0).padStart(6)} ms  peak ${mb(b.maxRssMb)}   b/a = ${(b.ms / a.ms).toFixed(2)} (target ≤ 2)`);
  console.log(`  (c) CLI, default store     ${String(rate(c)).padStart(8)} records/s  ${c.ms.toFixed(0).padStart(6)} ms  peak ${mb(c.maxRssMb)}   c/a = ${(c.ms / a.ms).toFixed(2)} (target ≤ 4)`);
  console.log(`  (d) CLI --store memory    ${String(rate(d)).padStart(8)} records/s  ${d.ms.toFixed(0).padStart(6)} ms  peak ${mb(d.maxRssMb)}   d/a = ${(d.ms / a.ms).toFixed(2)}`);
  (report.sizes as Record<string, unknown>)[n] = {
    jsonBytes: bytes,
    a: { ...a, recordsPerSec: rate(a) },
    b: { ...b, recordsPerSec: rate(b), ratio: b.ms / a.ms },
    c: { ...c, recordsPerSec: rate(c), ratio: c.ms / a.ms },
    d: { ...d, recordsPerSec: rate(d), ratio: d.ms / a.ms },
  };
}
if (SIZES.length >= 2) {
  const [small, large] = [SIZES[0], SIZES[SIZES.length - 1]];
  const scale = large / small;
  const growth = (k: 'a' | 'b' | 'c') => perSize[large][k].ms / perSize[small][k].ms;
  // Time = fixed start-up + per-record cost × n. Linear growth means the per-record cost measured
  // between the two sizes (the marginal cost) matches the cost per record at the large size.
  const marginalUs = (k: 'a' | 'b' | 'c') => ((perSize[large][k].ms - perSize[small][k].ms) * 1000) / (large - small);
  const fixedMs = (k: 'a' | 'b' | 'c') => perSize[large][k].ms - (marginalUs(k) * large) / 1000;
  console.log(`\nlinearity: ${small.toLocaleString('en')} → ${large.toLocaleString('en')} records (×${scale}): time ×${growth('a').toFixed(1)} (a), ×${growth('b').toFixed(1)} (b), ×${growth('c').toFixed(1)} (c)`);
  for (const k of ['a', 'b', 'c'] as const) {
    console.log(`  (${k}) marginal ${marginalUs(k).toFixed(1)} µs/record, fixed start-up ≈ ${Math.max(0, fixedMs(k)).toFixed(0)} ms`);
  }
  console.log(`  marginal ratios: b/a = ${(marginalUs('b') / marginalUs('a')).toFixed(2)}, c/a = ${(marginalUs('c') / marginalUs('a')).toFixed(2)}`);
  report.linearity = {
    scale,
    a: growth('a'),
    b: growth('b'),
    c: growth('c'),
    marginalUsPerRecord: { a: marginalUs('a'), b: marginalUs('b'), c: marginalUs('c') },
    fixedMs: { a: fixedMs('a'), b: fixedMs('b'), c: fixedMs('c') },
  };
}

// ---------------------------------------------------------------- issue 7: the trails users replay
// The default embedded-store replay (c) beside --store memory (d) and the floor (a) on the mixes of
// issue 7. BENCH_MIXES=0 skips the section, BENCH_MILLION=0 the 1,000,000-record run (≈2 minutes).
if (process.env.BENCH_MIXES !== '0') {
  const mixes: Array<{ key: string; title: string; records: number; perFile: number; sgShare: number; gzip: boolean; runs: number }> = [
    { key: 'single-stress', title: 'one plain 100,000-record file, 30% security-group changes', records: 100_000, perFile: 100_000, sgShare: 0.3, gzip: false, runs: RUNS },
    { key: 'quiet', title: '200 gzipped files × 500, 0.5% security-group changes (a quiet account)', records: 100_000, perFile: 500, sgShare: 0.005, gzip: true, runs: RUNS },
    { key: 'stress', title: '200 gzipped files × 500, 30% security-group changes (a stress mix)', records: 100_000, perFile: 500, sgShare: 0.3, gzip: true, runs: RUNS },
  ];
  if (process.env.BENCH_MILLION !== '0') {
    mixes.push({ key: 'million', title: '2,000 gzipped files × 500, 8% security-group changes (1,000,000 records)', records: 1_000_000, perFile: 500, sgShare: 0.08, gzip: true, runs: 1 });
  }
  const mixReport: Record<string, unknown> = {};
  console.log('\nReplay mixes (issue 7): the default store (c) and --store memory (d) beside the floor (a)');
  for (const mix of mixes) {
    const dir = path.join(outDir, `mix-${mix.key}`);
    const bytes = generate(dir, mix.records, mix.perFile, { sgShare: mix.sgShare, gzip: mix.gzip });
    const bestOf = (fn: () => Measure) => {
      let b: Measure | undefined;
      for (let i = 0; i < mix.runs; i++) {
        const m = fn();
        if (!b || m.ms < b.ms) b = { ...m, maxRssMb: Math.max(m.maxRssMb, b?.maxRssMb ?? 0) };
      }
      return b!;
    };
    const a = bestOf(() => measureInProcess('parse', dir));
    const c = bestOf(() => measureCli(dir, mix.records));
    const d = bestOf(() => measureCli(dir, mix.records, ['--store', 'memory']));
    console.log(`  ${mix.title} (${(bytes / 1e6).toFixed(0)} MB of JSON)`);
    console.log(`    (a) floor                 ${String(rate(a)).padStart(8)} records/s  ${a.ms.toFixed(0).padStart(6)} ms  peak ${mb(a.maxRssMb)}`);
    console.log(`    (c) CLI, default store    ${String(rate(c)).padStart(8)} records/s  ${c.ms.toFixed(0).padStart(6)} ms  peak ${mb(c.maxRssMb)}   c/a = ${(c.ms / a.ms).toFixed(2)}  RSS − floor = ${mb(c.maxRssMb - a.maxRssMb)}`);
    console.log(`    (d) CLI --store memory    ${String(rate(d)).padStart(8)} records/s  ${d.ms.toFixed(0).padStart(6)} ms  peak ${mb(d.maxRssMb)}   d/a = ${(d.ms / a.ms).toFixed(2)}`);
    mixReport[mix.key] = {
      title: mix.title,
      records: mix.records,
      jsonBytes: bytes,
      a: { ...a, recordsPerSec: rate(a) },
      c: { ...c, recordsPerSec: rate(c), ratio: c.ms / a.ms },
      d: { ...d, recordsPerSec: rate(d), ratio: d.ms / a.ms },
    };
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report.mixes = mixReport;
}

fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2));
console.log(`\nwritten: bench/out/results.json`);

/** One optional section: its failure is reported (and fails the bench) without stopping the others. */
async function section<T>(title: string, key: string, measure: () => Promise<T>, print: (r: T) => void): Promise<void> {
  console.log(`\n${title}`);
  try {
    const r = await measure();
    print(r);
    report[key] = r;
  } catch (err) {
    console.log(`  FAILED: ${err instanceof Error ? err.message : String(err)}`);
    report[key] = { error: String(err) };
    process.exitCode = 1;
  }
}


// ---------------------------------------------------------------- issue 3: Lambda functions, embedded-store replay
// BENCH_LAMBDA=0 skips both sections (they package the service with osls when the package is stale).
if (process.env.BENCH_LAMBDA !== '0') {
  const { benchLambda, printLambdaReport } = await import('./lambda.mjs');
  const { benchReplayStore, printReplayStoreReport } = await import('./replay-store.mjs');

  await section('Lambda functions', 'lambda', () => benchLambda({ log: (s) => console.log(s) }), (r) => printLambdaReport(r));
  const replaySize = SIZES[0];
  await section('Local replay with the embedded store', 'replayEmbeddedStore', () => benchReplayStore(path.join(outDir, `log-${replaySize}`), replaySize), (r) => printReplayStoreReport(r));
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2));
  console.log(`\nwritten: bench/out/results.json`);
}

// ---------------------------------------------------------------- issue 11: hostile policy input (globs)
// BENCH_POLICY=0 skips it.
if (process.env.BENCH_POLICY !== '0') {
  const { benchPolicy, printPolicyReport } = await import('./policy.mjs');
  await section('Policy matching at hostile scale', 'policy', () => benchPolicy(), (r) => printPolicyReport(r));
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2));
}

// ---------------------------------------------------------------- issue 6: the audit of a large account
// BENCH_AUDIT=0 skips it; BENCH_AUDIT_GROUPS=1000,5000,10000 are the sizes (10 rules and 2 interfaces per group).
if (process.env.BENCH_AUDIT !== '0') {
  const { benchAudit, printAuditReport } = await import('./audit.mjs');
  await section('Audit of standing rules (target at 10,000 groups / 100,000 rules / 20,000 interfaces: < 5 s, < 400 MB)', 'audit', () => benchAudit(), (r) => printAuditReport(r));
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2));
}
