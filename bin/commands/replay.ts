/**
 * `sgwatch replay PATH...`: the same normalise → evaluate pipeline as the
 * Lambda, over files, folders or stdin, printed as text or JSON lines.
 */
import fs from 'node:fs';
import type { Outcome, RemediationMode, Severity } from '../../lib/model';
import { severityAtLeast, worstSeverity } from '../../lib/policy/severity';
import { SEVERITIES } from '../../lib/model';
import { replayResults } from '../../lib/replay';
import { palette, useColor } from '../output/colors';
import { toJsonLine } from '../output/json';
import { toOcsfFindings } from '../output/ocsf';
import { csvHeader, toCsvRows } from '../output/csv';
import { Progress, countInputFiles } from '../output/progress';
import { Summary } from '../output/summary';
import { textLine } from '../output/text';
import { terminalWidth, wrapWords } from '../../lib/terminal/fit';
import { INVENTORY_FILE, inventoryFilesBeside } from '../../lib/context/inventory-beside';
import { LineWriter } from '../output/writer';
import type { RemediationOutcome } from '../../lib/pipeline/ports';
import { PipelineError, runPipeline, type PipelineOutcome } from '../../lib/pipeline/run';
import { UserError } from './errors';
import { openLocalPipeline, type LocalPipelineFlags } from './local-pipeline';
import { resolvePolicy } from './policy';
import { errorMessage } from '../../lib/errors/error-text';
import { applyAwsFlags, type AwsFlags } from './aws-flags';
import { parseWindow } from './when';
import { Interrupt } from './interrupt';
import { isS3Url, parseS3Url } from '../../lib/s3/trail-keys';
import { MAX_INPUT_BYTES, type RemoteInput } from '../../lib/cloudtrail/read';

export interface ReplayFlags extends LocalPipelineFlags, AwsFlags {
  since?: string;
  until?: string;
  /** An S3-compatible endpoint for s3:// inputs (MinIO, LocalStack). */
  s3Endpoint?: string;
  /** S3 objects downloaded at once (default 8). */
  s3Concurrency?: string;
  policy?: string;
  format: 'text' | 'json' | 'ocsf' | 'csv';
  remediate: RemediationMode;
  yes?: boolean;
  failOn?: Severity;
  /** Output filter: records with a finding at or above it. */
  severity?: Severity;
  /** Output filter: records with one of these outcomes. */
  outcome?: Outcome[];
  all?: boolean;
  color: boolean;
  progress: boolean;
  /** Ask EC2 (read-only, the user's AWS credentials) what CloudTrail does not record: the direction of ModifySecurityGroupRules rules, the name of groups named by id. */
  describe?: boolean;
  /** Inventory files (raw `aws ec2 describe-*` JSON or an sgwatch-inventory snapshot): the same look-ups as --describe, offline. */
  inventory?: string[];
  /** false with --no-inventory-files: the *.inventory.json files beside the records are not used. */
  inventoryFiles?: boolean;
  /** How many times --quiet (-q) was given. */
  quiet?: number;
  /** Cap on one input's decompressed size, in MiB (default 1024). */
  maxInputMib?: string;
}

/** `--max-input-mib`: a positive number of MiB, as bytes. */
function maxInputBytes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--max-input-mib: expected a positive number of MiB, got ${JSON.stringify(value)}`);
  return Math.floor(n * 1024 * 1024);
}

export async function replayCommand(paths: string[], flags: ReplayFlags): Promise<number> {
  if (flags.remediate === 'enforce' && !flags.yes) {
    throw new UserError('--remediate enforce revokes rules in your AWS account with your credentials; add --yes to confirm');
  }
  applyAwsFlags(flags);
  const window = parseWindow(flags.since, flags.until);
  const policy = resolvePolicy(flags.policy);
  /** --quiet once: the summary only; twice: nothing on stdout, the exit code says it all. */
  const quiet = flags.quiet ?? 0;
  // A path named on the command line that does not exist is an error about the path, on stderr
  // (exit 2, like any bad input), not an invalid record among the results; the others are read.
  for (const p of paths.filter(isS3Url)) {
    try {
      parseS3Url(p);
    } catch (err) {
      throw new UserError(errorMessage(err));
    }
  }
  const missing = paths.filter((p) => p !== '-' && !isS3Url(p) && !fs.existsSync(p));
  for (const p of missing) process.stderr.write(`sgwatch: ${p}: no such file or directory\n`);
  paths = paths.filter((p) => !missing.includes(p));
  const maxInput = maxInputBytes(flags.maxInputMib);
  const remote = paths.some(isS3Url) ? await s3Reader(flags, window, maxInput) : undefined;
  let outsideWindow = 0;
  const mode = flags.remediate;
  const out = new LineWriter(process.stdout, { json: flags.format === 'json' || flags.format === 'ocsf' });
  const p = palette(useColor(flags.color, process.stdout));
  const summary = new Summary();
  const width = terminalWidth(process.stdout);
  const showProgress = flags.progress && Boolean(process.stderr.isTTY) && !process.env.CI;
  const progress = new Progress(showProgress, showProgress ? countInputFiles(paths, window) : 0);
  const failOn = flags.failOn;
  let failHit = false;
  /** Records that reached --fail-on, by their worst severity at or above it. */
  const failedBy = new Map<Severity, number>();
  let invalid = false;
  let invalidCount = 0;
  let stepFailures = 0;
  /** Alerts posted this run whose outcome is unknown (timed out): recorded, never re-sent. */
  let unknownAlerts = 0;
  // Offline by default; --describe asks EC2 (read-only) what CloudTrail does not record. Loaded only then.
  // --inventory answers the same look-ups from files, offline; read (and refused) before anything is opened.
  // *.inventory.json beside the records (or named) answer them too, unless --describe asks EC2 or --no-inventory-files.
  const beside = flags.describe || flags.inventoryFiles === false ? [] : inventoryFilesBeside(paths);
  paths = paths.filter((p) => !(INVENTORY_FILE.test(p) && fs.statSync(p).isFile()));
  const inventoryFiles = [...(flags.inventory ?? []), ...beside.filter((f) => !flags.inventory?.includes(f))];
  const inventoryContext = inventoryFiles.length ? await loadInventoryContext(inventoryFiles, flags.describe, beside) : undefined;
  const pipeline = await openLocalPipeline(flags, mode, { describe: flags.describe });
  const context = inventoryContext ?? pipeline.context;
  const onNote = (note: string) => process.stderr.write(`sgwatch: ${note}\n`);

  if (flags.format === 'csv' && quiet === 0) await out.line(csvHeader().replace(/\n$/, ''));
  const interrupt = new Interrupt();
  let done = 0;
  try {
    for await (const result of replayResults(paths, {
      policy,
      mode,
      modeCeiling: mode,
      stdin: process.stdin,
      context,
      onNote,
      maxInputBytes: maxInput,
      remote,
      window,
      onOutsideWindow: () => outsideWindow++,
    })) {
      if (interrupt.signal) break;
      done++;
      progress.tick(result.source, result.verdict.findings.length > 0);
      const v = result.verdict;
      if (v.outcome === 'invalid') {
        invalid = true;
        invalidCount++;
      }
      if (failOn && v.findings.some((f) => severityAtLeast(f.severity, failOn))) {
        failHit = true;
        const worst = worstSeverity(v.findings.filter((f) => severityAtLeast(f.severity, failOn)));
        if (worst !== 'none') failedBy.set(worst, (failedBy.get(worst) ?? 0) + 1);
      }
      let ran: PipelineOutcome | undefined;
      let failure: string | undefined;
      if (v.outcome !== 'ignored' && v.outcome !== 'invalid') {
        try {
          ran = await runPipeline(result, pipeline.deps);
        } catch (err) {
          stepFailures++;
          if (err instanceof PipelineError) {
            ran = err.outcome;
            failure = err.failures.map((f) => `${f.step}: ${f.message}`).join('; ');
          } else {
            failure = `store: ${errorMessage(err)}`;
          }
        }
      }
      if (ran) unknownAlerts += Object.values(ran.steps).filter((s) => s?.state === 'unknown' && !s.earlier).length;
      if (!shown(result, flags)) {
        // Left out of the output by --severity/--outcome; an invalid input is still said on stderr.
        if (v.outcome === 'invalid') process.stderr.write(`sgwatch: ${invalidText(result)}\n`);
        if (flags.format === 'text') summary.add(result, ran);
        continue;
      }
      if (quiet > 0) {
        // --quiet: no per-record output (the summary only, in text); an invalid input is still said on stderr.
        if (v.outcome === 'invalid') process.stderr.write(`sgwatch: ${invalidText(result)}\n`);
        if (flags.format === 'text') summary.add(result, ran);
        continue;
      }
      if (flags.format === 'json') {
        await out.line(toJsonLine(result, ran || failure ? { pipeline: pipelineJson(ran, failure) } : {}));
        continue;
      }
      if (flags.format === 'csv') {
        if (v.outcome === 'invalid') process.stderr.write(`sgwatch: ${result.source}: ${result.error ?? 'invalid record'}\n`);
        const rows = toCsvRows(result, ran?.remediation);
        if (rows) await out.line(rows.replace(/\n$/, ''));
        continue;
      }
      if (flags.format === 'ocsf') {
        // Findings only; an invalid input is still said on stderr (and exits 2).
        if (v.outcome === 'invalid') process.stderr.write(`sgwatch: ${invalidText(result)}\n`);
        for (const o of toOcsfFindings(result, ran?.remediation)) await out.line(JSON.stringify(o));
        continue;
      }
      summary.add(result, ran);
      if (v.outcome === 'ignored' && !flags.all && !flags.outcome?.includes('ignored')) {
        summary.hiddenIgnored++;
        continue;
      }
      await out.line(textLine(result, p, pipelineNote(ran, failure), width));
    }
  } finally {
    progress.stop();
    await pipeline.close();
    interrupt.dispose();
  }
  if (flags.format === 'text' && quiet < 2) {
    if (quiet === 0) await out.line('');
    await out.line(summary.render(p, mode, width));
    if (outsideWindow) await out.line(p.dim(`${outsideWindow} record(s) outside --since/--until left out`));
    if (beside.length) await out.line(p.dim(wrapWords(`inventory beside the records: ${beside.join(', ')} (--no-inventory-files leaves it out)`, width, 2)));
    await out.line(p.dim(`records kept in ${pipeline.where}`));
    if (stepFailures) await out.line(wrapWords(`${stepFailures} record(s) had a failed alert or remediation step; run the same replay again to retry only what did not go out`, width, 2));
  }
  await out.flush();
  if (interrupt.signal) {
    process.stderr.write(
      `sgwatch: interrupted (${interrupt.signal}) after ${done} record(s); what was done is kept in ${pipeline.where}: run the same command again to go on (stored records are skipped, no alert is sent twice)\n`,
    );
  }
  if (unknownAlerts) {
    process.stderr.write(
      `sgwatch: ${unknownAlerts} alert post(s) timed out: they may or may not have reached Slack; recorded as "unknown" and never re-sent (at-most-once), check the channel\n`,
    );
  }
  // The highest code wins (bin/cli.ts EXIT_CODES_HELP): a failed step (3) must not hide behind bad input (2).
  const reasons: string[] = [];
  if (stepFailures) reasons.push(`${stepFailures} record(s) had a failed alert or remediation step (exit 3)`);
  if (invalid) reasons.push(`${invalidCount} input record(s) were invalid (exit 2)`);
  if (missing.length) reasons.push(`${missing.length} path(s) not found (exit 2)`);
  if (reasons.length > 1 && stepFailures) process.stderr.write(`sgwatch: ${reasons.join('; ')}: exit 3\n`);
  if (failHit && failOn && quiet < 2) process.stderr.write(`sgwatch: ${failOnReason(failOn, failedBy)}\n`);
  if (interrupt.signal) return interrupt.code;
  if (stepFailures) return 3;
  if (invalid || missing.length) return 2;
  return failHit ? 1 : 0;
}

/** Whether --severity and --outcome keep a result in the output. */
function shown(result: { verdict: { outcome: Outcome; findings: ReadonlyArray<{ severity: Severity }> } }, flags: Pick<ReplayFlags, 'severity' | 'outcome'>): boolean {
  if (flags.outcome?.length && !flags.outcome.includes(result.verdict.outcome)) return false;
  const min = flags.severity;
  if (min && !result.verdict.findings.some((f) => severityAtLeast(f.severity, min))) return false;
  return true;
}

/** `--fail-on high: 17 records at or above high (12 critical, 5 high)`. */
export function failOnReason(failOn: Severity, by: ReadonlyMap<Severity, number>): string {
  const parts = [...SEVERITIES].reverse().filter((sev) => by.get(sev)).map((sev) => `${by.get(sev)} ${sev}`);
  const n = [...by.values()].reduce((a, b) => a + b, 0);
  return `--fail-on ${failOn}: ${n} record${n === 1 ? '' : 's'} at or above ${failOn} (${parts.join(', ')})`;
}

function pipelineJson(ran: PipelineOutcome | undefined, failure?: string) {
  return {
    record: ran?.status ?? null,
    alert: ran?.alert ?? null,
    remediation: ran?.remediation ?? null,
    steps: ran ? Object.fromEntries(Object.entries(ran.steps).map(([k, s]) => [k, s?.alreadyDone ? 'already-done' : s?.state])) : {},
    ...(ran?.selfAction ? { [`${ran.selfAction.action}Of`]: ran.selfAction.of ?? null } : {}),
    ...(failure ? { error: failure } : {}),
  };
}

/** The text line's words for each remediation outcome. */
const REMEDIATION_LABEL: Record<Exclude<RemediationOutcome['status'], 'none'>, string> = {
  revoked: 'revoked',
  'would-revoke': 'would revoke',
  'alert-only': 'alert only',
  'already-gone': 'already gone',
  failed: 'revoke FAILED',
};

/** What the pipeline did, for the text line; undefined leaves the planned action. */
function pipelineNote(ran: PipelineOutcome | undefined, failure?: string): string | undefined {
  if (failure) return `FAILED ${failure}`;
  if (!ran) return undefined;
  if (ran.selfAction) return `${ran.selfAction.label}${ran.selfAction.of ? ` of ${ran.selfAction.of}` : ''}`;
  const parts: string[] = [];
  const r = ran.remediation;
  if (r && r.status !== 'none') {
    const ids = r.ruleIds.length ? ` ${r.ruleIds.join(', ')}` : '';
    parts.push(`${REMEDIATION_LABEL[r.status]}${r.status === 'alert-only' && r.detail ? ` (${r.detail})` : ids}`);
  }
  const sent = Object.entries(ran.steps)
    .filter(([k, s]) => k.startsWith('notify') && s?.state === 'done' && !s.alreadyDone)
    .map(([k]) => k.slice('notify'.length).toLowerCase());
  if (sent.length) parts.push(`alerted ${sent.join(', ')}`);
  const unknown = Object.entries(ran.steps)
    .filter(([k, s]) => k.startsWith('notify') && s?.state === 'unknown')
    .map(([k]) => k.slice('notify'.length).toLowerCase());
  if (unknown.length) parts.push(`${unknown.join(', ')} outcome UNKNOWN (timed out; not re-sent)`);
  if (ran.status === 'duplicate') parts.push('already recorded');
  return parts.length ? parts.join('; ') : undefined;
}

/** `s3://` inputs: the caller's credentials (--profile/--region applied already), a bounded number of downloads at once. */
async function s3Reader(flags: ReplayFlags, window: { since?: string; until?: string }, maxObjectBytes: number | undefined): Promise<(url: string) => AsyncIterable<RemoteInput>> {
  let concurrency: number | undefined;
  if (flags.s3Concurrency !== undefined) {
    concurrency = Number(flags.s3Concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UserError(`--s3-concurrency: expected a whole number from 1 to 64, got ${JSON.stringify(flags.s3Concurrency)}`);
  }
  if (flags.s3Endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(flags.s3Endpoint)) throw new UserError(`--s3-endpoint: expected an http(s) URL, got ${JSON.stringify(flags.s3Endpoint)}`);
  const { s3Client, trailObjects } = await import('../../lib/s3/trail-objects');
  const client = await s3Client({ endpoint: flags.s3Endpoint });
  return (url) => trailObjects(client, url, { window, concurrency, maxObjectBytes: maxObjectBytes ?? MAX_INPUT_BYTES });
}

async function loadInventoryContext(files: string[], describe: boolean | undefined, beside: readonly string[] = []) {
  if (describe) throw new UserError('--inventory and --describe both answer the look-ups; give one of them');
  const { loadInventoryData, inventoryFromData, InventoryFileError } = await import('../../lib/context/inventory-file');
  const { inventoryGroupNames, inventoryRuleDirections } = await import('../../lib/context/inventory-resolvers');
  try {
    const { data, source } = loadInventoryData(files);
    const inventory = inventoryFromData(data, source);
    // Files of rules only (describe-security-group-rules) answer rule directions and nothing else:
    // they say nothing of groups, interfaces or prefix lists, so exposure and names stay as without them.
    const rulesOnly = data.groups.size === 0 && data.interfaceScopes.length === 0 && data.interfaces.length === 0 && data.prefixLists.size === 0;
    if (rulesOnly) return { directions: inventoryRuleDirections(inventory) };
    return { directions: inventoryRuleDirections(inventory), groupNames: inventoryGroupNames(inventory), inventory };
  } catch (err) {
    if (err instanceof InventoryFileError) {
      // A file found beside the records, not named by --inventory: say where it came from and how to leave it out.
      if (beside.includes(err.file)) throw new UserError(`inventory beside the records ${err.message} (rename it, or --no-inventory-files leaves it out)`);
      throw new UserError(`--inventory ${err.message}`);
    }
    throw err;
  }
}

/** An invalid input's message for stderr: its error already names the source (file#index), so the source is not said twice. */
function invalidText(result: { source: string; error?: string }): string {
  if (!result.error) return `${result.source}: invalid record`;
  return result.error.startsWith(result.source) ? result.error : `${result.source}: ${result.error}`;
}
