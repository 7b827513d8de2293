/**
 * `--format csv`: one row per finding (RFC 4180, through csv-stringify),
 * with a header row, for spreadsheets and SIEM imports. A record without
 * findings gives no row.
 *
 * Formula injection (OWASP "CSV injection"): a text cell that starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so a
 * group named `=HYPERLINK(...)` is shown as text by Excel, LibreOffice and
 * Google Sheets instead of being run. Numbers (ports) are written as numbers;
 * protocol -1 is written `all`.
 */
import { stringify } from 'csv-stringify/sync';
import type { Result } from '../../lib/model';
import type { RemediationOutcome } from '../../lib/pipeline/ports';
import { judgedChange } from '../../lib/context/facts';
import { describeAction } from '../../lib/alerts/describe';
import { sourceText } from './json';

export const CSV_COLUMNS = [
  'time',
  'severity',
  'outcome',
  'policy_rule',
  'account',
  'region',
  'group_id',
  'group_name',
  'rule_id',
  'direction',
  'protocol',
  'from_port',
  'to_port',
  'source',
  'actor',
  'via',
  'event_name',
  'event_id',
  'input',
  'action',
  'message',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell as written: text that a spreadsheet would run as a formula is quoted with a leading `'`. */
export function csvCell(value: string | number | null | undefined): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvHeader(): string {
  return stringify([CSV_COLUMNS as unknown as string[]], { record_delimiter: 'unix' });
}

/** The rows (one per finding) of one result, as CSV text (empty when it has no findings). */
export function toCsvRows(result: Result, outcome?: RemediationOutcome): string {
  const change = judgedChange(result);
  if (!change || result.verdict.findings.length === 0) return '';
  const action = describeAction(outcome, result.verdict.remediation).text;
  const groupName = change.groupName ?? result.context?.groupName?.value;
  const rows = result.verdict.findings.map((f) => {
    const t = f.target;
    const values: (string | number | null | undefined)[] = [
      change.eventTime,
      f.severity,
      result.verdict.outcome,
      f.rule,
      change.account,
      change.region,
      change.groupId,
      groupName,
      t?.ruleId,
      t ? (t.directionUnknown ? `${t.direction} (judged; not recorded)` : t.direction) : undefined,
      t ? (t.protocol === '-1' ? 'all' : t.protocol) : undefined,
      t?.fromPort,
      t?.toPort,
      t ? sourceText(t.source) : undefined,
      change.actor.arn ?? change.actor.name,
      change.actor.via,
      change.eventName,
      change.eventId,
      result.source,
      action,
      f.message,
    ];
    return values.map(csvCell);
  });
  return stringify(rows, { record_delimiter: 'unix' });
}
