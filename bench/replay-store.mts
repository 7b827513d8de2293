/**
 * Local replay throughput with the embedded store (the default of
 * `sgwatch replay`: LevelDB under the working folder's .sgwatch/store).
 *
 *   npx tsx bench/replay-store.mts [DIR] [RECORDS]   (also run by `npm run bench`)
 *
 * In a fresh temporary working folder (so an earlier store is never reused):
 *  - first run: every record is new (stored, alerts go to no channel but the records);
 *  - re-run: the same log again, every record a duplicate (nothing stored or sent twice).
 * Runs bin/sgwatch.js (the built CLI, `npm run build`) with `--format json --no-progress`,
 * stdout discarded; wall time of the whole process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');

export interface ReplayRun {
  ms: number;
  records: number;
  recordsPerSec: number;
}

export interface ReplayStoreReport {
  dir: string;
  records: number;
  first: ReplayRun;
  rerun: ReplayRun;
  storeBytes: number;
}

function runCli(cwd: string, dir: string): Promise<{ ms: number; status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [path.join(root, 'bin/sgwatch.js'), 'replay', dir, '--format', 'json', '--no-progress'], {
      cwd,
      // Nothing in the environment may send alerts or reach AWS: the embedded store only.
      env: { PATH: process.env.PATH ?? '', HOME: cwd, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-10_000)));
    child.on('error', reject);
    child.on('close', (status) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, status, stderr }));
  });
}

function du(p: string): number {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((n, e) => n + du(path.join(p, e)), 0);
}

export async function benchReplayStore(dir: string, records: number): Promise<ReplayStoreReport> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-replay-store-'));
  try {
    const runs: ReplayRun[] = [];
    for (const label of ['first run', 're-run']) {
      const r = await runCli(cwd, dir);
      // Exit 1 = violations found (the generated log has some); anything else is a failure.
      if (r.status !== 0 && r.status !== 1) throw new Error(`sgwatch replay (${label}) exited ${r.status}: ${r.stderr}`);
      runs.push({ ms: r.ms, records, recordsPerSec: Math.round(records / (r.ms / 1000)) });
    }
    return { dir: path.relative(root, dir), records, first: runs[0], rerun: runs[1], storeBytes: du(path.join(cwd, '.sgwatch')) };
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

export function printReplayStoreReport(r: ReplayStoreReport, log: (s: string) => void = (s) => console.log(s)): void {
  log(`  ${r.records.toLocaleString('en')} records (${r.dir}), embedded store (LevelDB under .sgwatch/store, ${(r.storeBytes / 1e6).toFixed(1)} MB after both runs)`);
  log(`    first run (all new)        ${String(r.first.recordsPerSec).padStart(8)} records/s  ${r.first.ms.toFixed(0).padStart(6)} ms`);
  log(`    re-run (all duplicates)    ${String(r.rerun.recordsPerSec).padStart(8)} records/s  ${r.rerun.ms.toFixed(0).padStart(6)} ms`);
}

if (process.argv[1]?.endsWith('bench/replay-store.mts')) {
  const records = Number(process.argv[3] ?? 10_000);
  const dir = path.resolve(process.argv[2] ?? path.join(here, 'out', `log-${records}`));
  if (!fs.existsSync(dir)) {
    const { generate } = createRequire(import.meta.url)('./generate.cjs') as { generate(dir: string, n: number): number };
    generate(dir, records);
  }
  console.log('Local replay with the embedded store');
  printReplayStoreReport(await benchReplayStore(dir, records));
}
