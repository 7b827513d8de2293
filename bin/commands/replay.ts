/**
 * `sgwatch replay PATH...`: the same normalise → evaluate pipeline as the
 * Lambda, over files, folders or stdin, printed as text or JSON lines.
 */
import { SEVERITIES, type RemediationMode, type Severity } from '../../lib/model';
import { replayResults } from '../../lib/replay';
import { palette } from '../output/colors';
import { toJsonLine } from '../output/json';
import { Progress, countInputFiles } from '../output/progress';
import { Summary } from '../output/summary';
import { textLine } from '../output/text';
import { LineWriter } from '../output/writer';
import { UserError } from './errors';
import { resolvePolicy } from './policy';

export interface ReplayFlags {
  policy?: string;
  format: 'text' | 'json';
  remediate: RemediationMode;
  yes?: boolean;
  failOn?: Severity;
  all?: boolean;
  color: boolean;
  progress: boolean;
}

export function useColor(flag: boolean, stream: NodeJS.WriteStream): boolean {
  if (!flag || 'NO_COLOR' in process.env) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export async function replayCommand(paths: string[], flags: ReplayFlags): Promise<number> {
  if (flags.remediate === 'enforce' && !flags.yes) {
    throw new UserError('--remediate enforce revokes rules in your AWS account with your credentials; add --yes to confirm');
  }
  const policy = resolvePolicy(flags.policy);
  const mode = flags.remediate;
  const out = new LineWriter(process.stdout);
  const p = palette(useColor(flags.color, process.stdout));
  const summary = new Summary();
  const showProgress = flags.progress && Boolean(process.stderr.isTTY) && !process.env.CI;
  const progress = new Progress(showProgress, showProgress ? countInputFiles(paths) : 0);
  const failRank = flags.failOn ? SEVERITIES.indexOf(flags.failOn) : Infinity;
  let failHit = false;
  let invalid = false;

  try {
    for await (const result of replayResults(paths, { policy, mode, stdin: process.stdin })) {
      progress.tick(result.source);
      const v = result.verdict;
      if (v.outcome === 'invalid') invalid = true;
      if (!failHit && v.findings.some((f) => SEVERITIES.indexOf(f.severity) >= failRank)) failHit = true;
      if (flags.format === 'json') {
        await out.line(toJsonLine(result));
        continue;
      }
      summary.add(result);
      if (v.outcome === 'ignored' && !flags.all) {
        summary.hiddenIgnored++;
        continue;
      }
      await out.line(textLine(result, p));
    }
  } finally {
    progress.stop();
  }
  if (flags.format === 'text') {
    await out.line('');
    await out.line(summary.render(p, mode));
  }
  await out.flush();
  if (invalid) return 2;
  return failHit ? 1 : 0;
}
