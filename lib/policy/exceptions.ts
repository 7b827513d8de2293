/**
 * Exception matching. All matchers an exception gives must match; matchers
 * about a rule (ruleId, protocol, port(s), cidr) never match a call-level
 * finding (denied-change-attempt). `until` is judged at `atMs`: by default the
 * event's time, so replaying old logs gives the verdict of the day.
 */
import type { Change, Finding } from '../model';
import type { CidrClassifier } from '../net/cidr';
import { portRangeOf } from '../net/ports';
import type { CompiledException, ExceptionIndex } from './compile';
import { actorMatches } from './glob';

export function exceptionApplies(ex: CompiledException, finding: Finding, change: Change, atMs: number, classifier: CidrClassifier): boolean {
  if (ex.untilMs !== undefined && atMs > ex.untilMs) return false;
  if (ex.rules && !ex.rules.has(finding.rule)) return false;
  if (ex.groupIds && (change.groupId === null || !ex.groupIds.has(change.groupId))) return false;
  if (ex.actors && !actorMatches(ex.actors, change.actor)) return false;
  const t = finding.target;
  if (ex.ruleId !== undefined && t?.ruleId !== ex.ruleId) return false;
  if (ex.protocol !== undefined && t?.protocol !== ex.protocol) return false;
  if (ex.ports) {
    const range = t ? portRangeOf(t) : null;
    if (!range || !ex.ports.covers(range)) return false;
  }
  if (ex.cidrs) {
    const s = t?.source;
    if (!s || (s.kind !== 'cidr4' && s.kind !== 'cidr6')) return false;
    const parsed = classifier.classify(s.cidr).parsed;
    if (!parsed || !ex.cidrs.contains(parsed)) return false;
  }
  return true;
}

/** The first exception (in policy order) covering the finding. */
export function findException(
  exceptions: readonly CompiledException[],
  finding: Finding,
  change: Change,
  atMs: number,
  classifier: CidrClassifier,
): CompiledException | undefined {
  for (const ex of exceptions) if (exceptionApplies(ex, finding, change, atMs, classifier)) return ex;
  return undefined;
}

const NONE: readonly CompiledException[] = [];

/**
 * The exceptions that can apply to a change, in policy order: those naming
 * its group and those naming no group, merged by their place in the policy
 * (the first applicable one wins, exactly as over the whole list).
 */
export function exceptionsFor(index: ExceptionIndex, change: Change): readonly CompiledException[] {
  const mine = change.groupId ? (index.byGroup.get(change.groupId) ?? NONE) : NONE;
  const any = index.anyGroup;
  if (mine.length === 0) return any;
  if (any.length === 0) return mine;
  const out: CompiledException[] = [];
  let i = 0;
  let j = 0;
  while (i < mine.length || j < any.length) {
    if (j >= any.length || (i < mine.length && mine[i]!.order < any[j]!.order)) out.push(mine[i++]!);
    else out.push(any[j++]!);
  }
  return out;
}
