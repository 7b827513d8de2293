/**
 * Tag exceptions (issue 6): a tag on the group, or on the rule itself (`sgr-`
 * rules carry tags), silences findings like a policy exception. The key is
 * the policy's `exceptionTagKey` (default `sgwatch:exception`); the value is
 *
 *     <policy rule id or *>;<until YYYY-MM-DD>;<reason>
 *
 * The expiry and the reason are required: a waiver that is written on the
 * resource must say why and until when. A malformed or expired tag is not
 * applied, and the verdict names it (skippedExceptions), so that an expiry is
 * never silent. A rule's own tag is tried before its group's.
 */
import type { Finding, SkippedException } from '../model';
import { RULE_IDS, type RuleId } from './types';

export const TAG_FORMAT = '<policy rule id or *>;<until YYYY-MM-DD>;<reason>';

export type ParsedTagException =
  | { ok: true; rule: RuleId | '*'; until: string; untilMs: number; reason: string }
  | { ok: false; problem: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a tag value; the problem names what is wrong. */
export function parseTagException(value: string): ParsedTagException {
  const shown = JSON.stringify(value.length > 120 ? value.slice(0, 117) + '...' : value);
  const malformed = (why: string): ParsedTagException => ({ ok: false, problem: `malformed tag ${shown}: ${why} (expected ${TAG_FORMAT})` });
  const first = value.indexOf(';');
  const second = first < 0 ? -1 : value.indexOf(';', first + 1);
  if (second < 0) return malformed('it needs three parts separated by ";"');
  const rule = value.slice(0, first).trim();
  const until = value.slice(first + 1, second).trim();
  const reason = value.slice(second + 1).trim();
  if (rule !== '*' && !(RULE_IDS as readonly string[]).includes(rule)) return malformed(`"${rule}" is not a policy rule id or *`);
  const m = DATE.exec(until);
  const untilMs = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999) : NaN;
  if (!m || new Date(untilMs).getUTCDate() !== Number(m[3])) return malformed(`"${until}" is not a date YYYY-MM-DD`);
  if (reason === '') return malformed('no reason');
  return { ok: true, rule: rule as RuleId | '*', until, untilMs, reason };
}

export interface TagHolder {
  /** `sg-...` or `sgr-...`: the exception's id is `tag:<id>`. */
  id: string;
  tags: Readonly<Record<string, string>> | undefined;
}

export interface TagExceptionMatch {
  id: string;
  reason: string;
  until: string;
}

/**
 * The first tag exception (rule's tag, then group's) covering the finding at
 * `atMs`; tags that would have covered it but are expired or malformed are
 * added to `skipped` (once per id).
 */
export function findTagException(
  holders: readonly TagHolder[],
  key: string,
  finding: Finding,
  atMs: number,
  skipped: SkippedException[],
): TagExceptionMatch | undefined {
  for (const h of holders) {
    const value = h.tags?.[key];
    if (value === undefined) continue;
    const id = `tag:${h.id}`;
    const parsed = parseTagException(value);
    if (!parsed.ok) {
      note(skipped, id, `${key} on ${h.id}: ${parsed.problem}`);
      continue;
    }
    if (parsed.rule !== '*' && parsed.rule !== finding.rule) continue;
    if (atMs > parsed.untilMs) {
      note(skipped, id, `${key} on ${h.id} expired ${parsed.until} (${parsed.reason})`);
      continue;
    }
    return { id, reason: parsed.reason, until: parsed.until };
  }
  return undefined;
}

function note(skipped: SkippedException[], id: string, problem: string): void {
  if (!skipped.some((s) => s.id === id)) skipped.push({ id, problem });
}
