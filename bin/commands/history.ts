/**
 * `sgwatch history GROUP_ID` and `sgwatch findings`: what the store holds,
 * as a table for people or JSON lines for tools.
 */
import { toOcsfFindings } from '../output/ocsf';
import { csvHeader, toCsvRows } from '../output/csv';
import Table from 'cli-table3';
import { fitLine, terminalWidth, wrapWords } from '../../lib/terminal/fit';
import type { Severity } from '../../lib/model';
import type { HistoryRecord } from '../../lib/pipeline/ports';
import { describeRule } from '../../lib/alerts/describe';
import { stripControl } from '../../lib/alerts/escape';
import { palette, useColor } from '../output/colors';
import { toJsonObject } from '../output/json';
import { worstFinding } from '../output/text';
import { LineWriter } from '../output/writer';
import { errorText } from '../../lib/errors/error-text';
import { UserError } from './errors';
import { parseWhen } from './when';
import { openStore, type StoreFlags } from './local-pipeline';
import type { AwsFlags } from './aws-flags';
import { judgedChange } from '../../lib/context/facts';
import { GROUP_ID } from '../../lib/aws-ids';

export interface QueryFlags extends StoreFlags, AwsFlags {
  format: 'text' | 'json' | 'ocsf' | 'csv';
  limit: string;
  since?: string;
  severity?: Severity;
  color: boolean;
}

const parseSince = (text: string) => parseWhen('--since', text);

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UserError(`--limit: expected a whole number from 1 to 10000, got "${text}"`);
  return n;
}

/**
 * Longest record text in one table line. cli-table3's word wrap is quadratic
 * in a cell's length (one 8,000-character field took 22 s), so text is cut
 * before layout, with an ellipsis; `--format json` keeps the full text.
 */
export const CELL_TEXT_MAX = 200;

/** Record text inside one table line (cells break lines only where sgwatch does), capped at CELL_TEXT_MAX. */
const safe = (s: string) => truncateCell(stripControl(s, true));

export function truncateCell(text: string, max = CELL_TEXT_MAX): string {
  if (text.length <= max) return text;
  const points = Array.from(text.slice(0, max + 1));
  let out = '';
  for (const ch of points) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + '…';
}

function changeText(rec: HistoryRecord): string {
  const c = judgedChange(rec.result);
  if (!c) return safe(rec.result.ignored?.eventName ?? '?');
  const lines = [c.eventName];
  const rules = c.rules.slice(0, 3).map((r) => `${r.action} ${describeRule(r)}${r.ruleId ? ` (${r.ruleId})` : ''}`);
  lines.push(...rules);
  if (c.rules.length > 3) lines.push(`+${c.rules.length - 3} more rules`);
  if (c.ruleIds?.length && !c.rules.length) lines.push(`rules ${c.ruleIds.join(', ')}`);
  if (c.kind === 'set-groups') lines.push(`${c.resourceId} → ${(c.groupIds ?? []).join(', ')}`);
  if (c.error) lines.push(`failed: ${c.error.code}`);
  return lines.map(safe).join('\n');
}

function actionText(rec: HistoryRecord): string {
  const parts: string[] = [];
  if (rec.remediation && rec.remediation.status !== 'none') parts.push(`${rec.remediation.status}${rec.remediation.ruleIds.length ? ` ${rec.remediation.ruleIds.join(', ')}` : ''}`);
  const alerted = Object.entries(rec.steps)
    .filter(([k, s]) => k.startsWith('notify') && s?.state === 'done')
    .map(([k]) => k.slice('notify'.length).toLowerCase());
  if (alerted.length) parts.push(`alerted ${alerted.join(', ')}`);
  const failed = Object.entries(rec.steps).filter(([, s]) => s?.state === 'failed').map(([k]) => k);
  if (failed.length) parts.push(`FAILED ${failed.join(', ')}`);
  const unknown = Object.entries(rec.steps).filter(([, s]) => s?.state === 'unknown').map(([k]) => k);
  if (unknown.length) parts.push(`outcome unknown (timed out, not re-sent): ${unknown.join(', ')}`);
  if (rec.links?.remediatedBy) parts.push(`revoked by event ${rec.links.remediatedBy}`);
  if (rec.links?.remediationOf) parts.push(`sgwatch revoke of ${rec.links.remediationOf}`);
  return parts.map(safe).join('\n') || '—';
}

async function printRecords(records: HistoryRecord[], flags: QueryFlags, empty: string, withGroup: boolean): Promise<void> {
  const out = new LineWriter(process.stdout, { json: flags.format === 'json' || flags.format === 'ocsf' });
  if (flags.format === 'csv') {
    await out.line(csvHeader().replace(/\n$/, ''));
    for (const rec of records) {
      const rows = toCsvRows(rec.result, rec.remediation);
      if (rows) await out.line(rows.replace(/\n$/, ''));
    }
    await out.flush();
    return;
  }
  if (flags.format === 'ocsf') {
    for (const rec of records) for (const o of toOcsfFindings(rec.result, rec.remediation)) await out.line(JSON.stringify(o));
    await out.flush();
    return;
  }
  if (flags.format === 'json') {
    for (const rec of records) {
      await out.line(JSON.stringify({ ...toJsonObject(rec.result), storedAt: rec.storedAt, steps: rec.steps, remediationResult: rec.remediation ?? null, links: rec.links ?? {}, ...(rec.packing ? { packing: rec.packing } : {}) }));
    }
    await out.flush();
    return;
  }
  if (!records.length) {
    process.stdout.write(`${empty}\n`);
    return;
  }
  const p = palette(useColor(flags.color, process.stdout));
  const width = terminalWidth(process.stdout);
  const fitsTable = width === undefined || width >= tableWidth(withGroup);
  process.stdout.write(`${fitsTable ? recordsTable(records, withGroup, p) : recordsCards(records, withGroup, p, width)}\n`);
}

const COLUMN_WIDTHS = (withGroup: boolean) => [21, ...(withGroup ? [24] : []), 28, 52, 28, 26];

/** The table's width on screen: its columns and one border character between and around them. */
export const tableWidth = (withGroup: boolean): number => COLUMN_WIDTHS(withGroup).reduce((a, b) => a + b + 1, 1);

/** One record's parts, as the table and the narrow form both show them. */
function recordParts(rec: HistoryRecord, p: ReturnType<typeof palette>) {
  const r = rec.result;
  const c = judgedChange(r);
  const v = r.verdict;
  const worst = v.findings.length ? worstFinding(v.findings) : undefined;
  return {
    time: safe((c?.eventTime ?? '?').replace('T', ' ').replace(/\.\d+Z$|Z$/, '')),
    group: safe(c?.groupId ?? c?.groupName ?? '?'),
    label: v.outcome === 'violation' ? v.severity.toUpperCase() : v.outcome,
    paint: p.severity(v.severity, v.outcome),
    verdictLines: [...(worst ? [safe(worst.rule)] : []), ...(v.exceptions.length ? [`excepted: ${safe(v.exceptions[0].id)}`] : [])],
    actorLines: c?.actor ? [safe(c.actor.name ?? c.actor.arn ?? '?'), `via ${safe(`${c.actor.via}${c.actor.sourceIp ? ` from ${c.actor.sourceIp}` : ''}`)}`] : ['?'],
    change: changeText(rec),
    action: actionText(rec),
  };
}

/**
 * The narrow form of the table, for a terminal narrower than it: one block per
 * record — severity, group and time; who; what changed; the policy rule; `→`
 * what sgwatch did — each line wrapped at the width between words, so an id
 * is never split.
 */
export function recordsCards(records: HistoryRecord[], withGroup: boolean, p: ReturnType<typeof palette>, width: number): string {
  const blocks = records.map((rec) => {
    const x = recordParts(rec, p);
    const head = fitLine([{ text: x.label.padEnd(11), paint: x.paint, drop: 0 }, ...(withGroup ? [{ text: x.group, drop: 0 }] : []), { text: x.time, paint: p.dim, drop: 1 }], width);
    const body = [x.actorLines.join(' '), ...x.change.split('\n'), ...x.verdictLines.map((l) => `policy rule ${l}`), ...(x.action === '—' ? [] : x.action.split('\n').map((l) => `→ ${l}`))];
    return [head, ...body.map((l) => `  ${wrapWords(l, width, 4)}`)].join('\n');
  });
  return blocks.join('\n\n');
}

/** The `history` / `findings` table (text format). */
export function recordsTable(records: HistoryRecord[], withGroup: boolean, p: ReturnType<typeof palette>): string {
  const head = ['time (UTC)', ...(withGroup ? ['group'] : []), 'actor', 'change', 'verdict', 'action'];
  const table = new Table({ head, style: { head: [], border: [] }, wordWrap: true, colWidths: COLUMN_WIDTHS(withGroup) });
  for (const rec of records) {
    const x = recordParts(rec, p);
    table.push([x.time, ...(withGroup ? [x.group] : []), x.actorLines.join('\n'), x.change, [x.paint(x.label), ...x.verdictLines].join('\n'), x.action]);
  }
  return table.toString();
}

/** A store that cannot be read (the deployed table missing or denied) is an error about it, exit 3, not a crash. */
async function reading<T>(where: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read ${where}: ${errorText(err)}`, 3);
  }
}

export async function historyCommand(groupId: string, flags: QueryFlags): Promise<number> {
  if (!GROUP_ID.test(groupId)) throw new UserError(`not a security-group id: "${groupId}" (expected sg- and 8 or 17 hex digits)`);
  const opened = await openStore(flags, { readOnly: true, deployed: true });
  try {
    const records = await reading(opened.where, () => opened.store.history(groupId, { limit: parseLimit(flags.limit), since: flags.since ? parseSince(flags.since) : undefined }));
    await printRecords(records, flags, `no recorded changes of ${groupId} in ${opened.where}`, false);
  } finally {
    await opened.close();
  }
  return 0;
}

export async function findingsCommand(flags: QueryFlags): Promise<number> {
  const opened = await openStore(flags, { readOnly: true, deployed: true });
  try {
    const records = await reading(opened.where, () =>
      opened.store.findings({
        minSeverity: flags.severity ?? 'low',
        limit: parseLimit(flags.limit),
        since: flags.since ? parseSince(flags.since) : undefined,
      }),
    );
    await printRecords(records, flags, `no findings at or above ${flags.severity ?? 'low'} in ${opened.where}`, true);
  } finally {
    await opened.close();
  }
  return 0;
}
