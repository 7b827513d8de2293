/**
 * The summary printed after a text replay: records by outcome and severity,
 * the worst groups, and what remediation planned or did.
 */
import { OUTCOMES, SEVERITIES, type Outcome, type Result, type ResultSeverity } from '../../lib/model';
import { stripControl } from '../../lib/alerts/escape';
import type { Palette } from './colors';

interface GroupTally {
  worst: number;
  violations: number;
}

export class Summary {
  readonly byOutcome = new Map<Outcome, number>();
  readonly bySeverity = new Map<ResultSeverity, number>();
  private readonly groups = new Map<string, GroupTally>();
  total = 0;
  revokeRecords = 0;
  revokeRules = 0;
  hiddenIgnored = 0;

  add(r: Result): void {
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

  render(p: Palette, mode: string): string {
    const lines: string[] = [];
    const outcomes = OUTCOMES.filter((o) => this.byOutcome.get(o)).map((o) => `${o} ${this.byOutcome.get(o)}`);
    lines.push(p.bold(`${this.total} record${this.total === 1 ? '' : 's'}`) + (outcomes.length ? `: ${outcomes.join(' · ')}` : ''));
    const sev = [...SEVERITIES].reverse().filter((s) => this.bySeverity.get(s));
    if (sev.length) {
      lines.push('by severity: ' + sev.map((s) => p.severity(s, 'violation')(`${s} ${this.bySeverity.get(s)}`)).join(' · '));
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
      lines.push(`remediation (${mode}): ${verb} ${this.revokeRules} rule${this.revokeRules === 1 ? '' : 's'} in ${this.revokeRecords} record${this.revokeRecords === 1 ? '' : 's'}`);
    }
    if (this.hiddenIgnored) {
      lines.push(p.dim(`${this.hiddenIgnored} ignored record${this.hiddenIgnored === 1 ? '' : 's'} (not security-group changes) not listed; --all lists them`));
    }
    return lines.join('\n');
  }
}
