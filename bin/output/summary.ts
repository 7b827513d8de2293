/**
 * The summary printed after a text replay: records by outcome and severity,
 * the worst groups, and what remediation planned or did.
 */
import { OUTCOMES, SEVERITIES, type Outcome, type Result, type ResultSeverity } from '../../lib/model';
import { stripControl } from '../../lib/alerts/escape';
import type { PipelineOutcome } from '../../lib/pipeline/run';
import type { Palette } from './colors';
import { wrapWords } from '../../lib/terminal/fit';

interface GroupTally {
  worst: number;
  violations: number;
}

/** `head item · item · …`, painted per item, moved to an indented next line (whole items) past the width. */
function wrapItems(head: { text: string; paint?: (s: string) => string }, items: Array<{ text: string; paint?: (s: string) => string }>, width: number | undefined, headSep = ' '): string[] {
  const paint = (x: { text: string; paint?: (s: string) => string }) => (x.paint ? x.paint(x.text) : x.text);
  const lines: string[] = [];
  let line = paint(head);
  let length = head.text.length;
  items.forEach((item, i) => {
    const sep = i === 0 ? headSep : ' · ';
    if (width !== undefined && (i > 0 || headSep !== ' ') && length + sep.length + item.text.length > width) {
      lines.push(`${line} ·`);
      line = `  ${paint(item)}`;
      length = 2 + item.text.length;
      return;
    }
    line += sep + paint(item);
    length += sep.length + item.text.length;
  });
  lines.push(line);
  return lines;
}

/** What the counts mean, once under them. */
const LEGEND = [
  ['violation: a finding at low or worse', 'compliant: none above info'],
  ['failed-call: the call failed, nothing changed', 'by severity: worst per event'],
];

export class Summary {
  readonly byOutcome = new Map<Outcome, number>();
  readonly bySeverity = new Map<ResultSeverity, number>();
  private readonly groups = new Map<string, GroupTally>();
  total = 0;
  revokeRecords = 0;
  revokeRules = 0;
  hiddenIgnored = 0;
  /** Records that were an event already counted this run (the same eventID in another file): counted once. */
  repeats = 0;

  /** Events stored by an earlier run and seen again in this one (a re-run): only these are remembered here. */
  private readonly seenFromEarlierRuns = new Set<string>();

  /**
   * @param runStarted when this run began. A record found already stored, and
   *   stored since then, is a repeat within the run: the store remembers it, so
   *   a first run holds nothing per record. A record stored by an earlier run
   *   is counted the first time this run meets it (its eventID is kept).
   */
  constructor(private readonly runStarted = new Date().toISOString()) {}

  /** Counts one result; `ran` is what the pipeline did with it (absent for ignored and invalid inputs). */
  add(r: Result, ran?: PipelineOutcome): void {
    if (ran?.status === 'duplicate' && ran.record) {
      const repeat = ran.record.storedAt >= this.runStarted || this.seenFromEarlierRuns.has(ran.record.eventId);
      if (repeat) {
        this.repeats++;
        return;
      }
      this.seenFromEarlierRuns.add(ran.record.eventId);
    }
    this.total++;
    const v = r.verdict;
    this.byOutcome.set(v.outcome, (this.byOutcome.get(v.outcome) ?? 0) + 1);
    if (v.severity !== 'none') this.bySeverity.set(v.severity, (this.bySeverity.get(v.severity) ?? 0) + 1);
    if (v.outcome === 'violation' && r.change?.groupId) {
      const rank = SEVERITIES.indexOf(v.severity as (typeof SEVERITIES)[number]);
      const g = this.groups.get(r.change.groupId) ?? { worst: -1, violations: 0 };
      g.worst = Math.max(g.worst, rank);
      g.violations++;
      this.groups.set(r.change.groupId, g);
    }
    if (v.remediation.action === 'revoke') {
      this.revokeRecords++;
      this.revokeRules += v.remediation.ruleIds.length + v.remediation.permissions.length;
    }
  }

  /** Groups with violations, worst first (then most violations). */
  worstGroups(limit = 5): Array<{ groupId: string; severity: string; violations: number }> {
    return [...this.groups.entries()]
      .sort((a, b) => b[1].worst - a[1].worst || b[1].violations - a[1].violations || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([groupId, g]) => ({ groupId, severity: SEVERITIES[g.worst], violations: g.violations }));
  }

  /** The summary, each line within `width` when one is given (items and words are moved to the next line whole). */
  render(p: Palette, mode: string, width?: number): string {
    const lines: string[] = [];
    const wrapped = (text: string, paint: (s: string) => string = (s) => s, indent = 2) => lines.push(...wrapWords(text, width, indent).split('\n').map(paint));
    const outcomes = OUTCOMES.filter((o) => this.byOutcome.get(o)).map((o) => ({ text: `${o} ${this.byOutcome.get(o)}` }));
    lines.push(...wrapItems({ text: `${this.total} event${this.total === 1 ? '' : 's'}${outcomes.length ? ':' : ''}`, paint: p.bold }, outcomes, width));
    if (this.repeats) wrapped(`  + ${this.repeats} record${this.repeats === 1 ? '' : 's'} repeating an event already read in this run (the same eventID), counted once`, undefined, 4);
    const sev = [...SEVERITIES].reverse().filter((s) => this.bySeverity.get(s));
    if (sev.length) {
      lines.push(...wrapItems({ text: 'by severity:' }, sev.map((s) => ({ text: `${s} ${this.bySeverity.get(s)}`, paint: p.severity(s, 'violation') })), width));
    }
    const groups = this.worstGroups();
    if (groups.length) {
      lines.push('worst groups:');
      for (const g of groups) {
        lines.push(`  ${stripControl(g.groupId, true).padEnd(24)} ${p.severity(g.severity as ResultSeverity, 'violation')(g.severity.padEnd(9))} ${g.violations} violation${g.violations === 1 ? '' : 's'}`);
      }
    }
    if (this.revokeRecords) {
      const verb = mode === 'enforce' ? 'revoke' : 'would revoke';
      lines.push(`remediation (${mode}): ${verb} ${this.revokeRules} rule${this.revokeRules === 1 ? '' : 's'} in ${this.revokeRecords} event${this.revokeRecords === 1 ? '' : 's'}`);
    }
    if (this.total > 0) for (const [a, b] of LEGEND) lines.push(...wrapItems({ text: a, paint: p.dim }, [{ text: b, paint: p.dim }], width, ' · '));
    if (this.hiddenIgnored) {
      wrapped(`${this.hiddenIgnored} ignored record${this.hiddenIgnored === 1 ? '' : 's'} (not security-group changes) not listed; --all lists them`, p.dim);
    }
    return lines.join('\n');
  }
}
