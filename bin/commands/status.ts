/**
 * `sgwatch status`: the last delivery canary of every member account and
 * region (lib/org/canary.ts), read from the store (the deployed table with
 * --table --region, like `findings`), and which ones went silent: no canary
 * for more than two canary periods (`--period`, the member stacks'
 * CanarySchedule, default 1h). Exit 1 when one is silent, so that a scheduled
 * job can alert on it; 0 otherwise.
 */
import { silentPairs } from '../../lib/org/canary';
import { stripControl } from '../../lib/alerts/escape';
import { errorText } from '../../lib/errors/error-text';
import { UserError } from './errors';
import { durationMs } from './when';
import { openStore } from './local-pipeline';
import type { QueryFlags } from './history';
import { palette, useColor } from '../output/colors';
import { LineWriter } from '../output/writer';

export interface StatusFlags extends Omit<QueryFlags, 'format' | 'limit'> {
  format: 'text' | 'json';
  period: string;
}

/** `--period`: 30m, 1h, 6h, 1d (the durations of --since). */
export function parsePeriod(text: string): number {
  const ms = durationMs(text);
  if (!ms) throw new UserError(`--period: expected the canary schedule's period like 30m, 1h or 1d, got "${text}"`);
  return ms;
}

const age = (ms: number): string => (ms < 3_600_000 ? `${Math.round(ms / 60_000)}m` : ms < 172_800_000 ? `${Math.round(ms / 3_600_000)}h` : `${Math.round(ms / 86_400_000)}d`);

export async function statusCommand(flags: StatusFlags, now = new Date()): Promise<number> {
  const period = parsePeriod(flags.period);
  const opened = await openStore(flags, { readOnly: true, deployed: true });
  let beats;
  try {
    if (!opened.store.canaries) throw new UserError(`the store ${opened.where} keeps no delivery canaries`);
    try {
      beats = await opened.store.canaries();
    } catch (err) {
      throw new UserError(`cannot read ${opened.where}: ${errorText(err)}`, 3);
    }
  } finally {
    await opened.close();
  }
  const silent = new Set(silentPairs(beats, now, 2 * period));
  const out = new LineWriter(process.stdout, { json: flags.format === 'json' });
  if (flags.format === 'json') {
    for (const b of beats) await out.line(JSON.stringify({ ...b, ageSeconds: Math.round((now.getTime() - Date.parse(b.at)) / 1000), silent: silent.has(b) }));
  } else if (beats.length === 0) {
    await out.line(`no delivery canary in ${opened.where} yet (member stacks send one every CanarySchedule; see README "Organisation-wide")`);
  } else {
    const p = palette(useColor(flags.color, process.stdout));
    for (const b of beats) {
      const line = `${stripControl(b.account, true).padEnd(12)}  ${stripControl(b.region, true).padEnd(14)}  ${stripControl(b.at, true)}  ${age(now.getTime() - Date.parse(b.at)).padStart(4)} ago`;
      await out.line(silent.has(b) ? `${line}  ${p.severity('high', 'violation')(`SILENT: no events since ${stripControl(b.at, true)}`)}` : line);
    }
    await out.line(p.dim(`${beats.length} account/region pair${beats.length === 1 ? '' : 's'}; ${silent.size} silent (no canary for more than 2 × ${flags.period})`));
  }
  await out.flush();
  if (silent.size > 0) {
    const list = [...silent].map((b) => `${b.account}/${b.region}`).join(', ');
    process.stderr.write(`sgwatch: ${silent.size} account/region pair${silent.size === 1 ? '' : 's'} silent for more than 2 × ${flags.period}: ${list}\n`);
    return 1;
  }
  return 0;
}
