/**
 * A prefix-list change (Create/ModifyManagedPrefixList,
 * RestoreManagedPrefixListVersion) judged where it bites: on every rule that
 * uses the list (issue 6). A list is no group, and the record names no rule,
 * so the inventory says which rules reference the list; each added entry is
 * then judged as a new source of each such rule, group by group, with that
 * group's context (exposure, tag exceptions): a list given 0.0.0.0/0 that two
 * groups use on tcp/22 yields public-admin-port for both, each finding naming
 * its group.
 *
 * A restore's record does not list the restored entries: they are the list's
 * entries as the inventory holds them now (live: after the restore).
 *
 * Alert only: the plan is always `none`. Removing an entry could cut off
 * every group using the list, and revoking the rules would punish groups for
 * a list someone else edited, so sgwatch only says what the list now exposes.
 */
import type { Change, ContextFacts, Finding, RemediationMode, Verdict } from '../model';
import type { ChangeOutcome, SkippedException } from '../model';
import { evaluate } from '../policy/evaluate';
import type { Policy } from '../policy/schema';
import type { PrefixListEntries } from '../policy/context';
import { severityAtLeast, VIOLATION_THRESHOLD, worstSeverity } from '../policy/severity';
import { errorText } from '../errors/error-text';
import type { Inventory, InventoryRule, InventoryScope } from './inventory';
import { gatherInventoryContext } from './gather';
import { addedRule } from './inventory-rules';

export const PREFIX_LIST_ALERT_ONLY = 'sgwatch never edits a prefix list or revokes the rules using it';

export interface PrefixListJudgement {
  verdict: Verdict<ChangeOutcome>;
  context?: ContextFacts;
}

interface Options {
  policy: Policy;
  mode: RemediationMode;
  now?: Date;
  onNote?: (note: string) => void;
}

function byGroup(rules: readonly InventoryRule[]): Map<string, InventoryRule[]> {
  const out = new Map<string, InventoryRule[]>();
  for (const r of rules) {
    const list = out.get(r.groupId);
    if (list) list.push(r);
    else out.set(r.groupId, [r]);
  }
  return out;
}

/** True when the change is one this module judges: a successful prefix-list call naming its list. */
export function isPrefixListChange(change: Change): boolean {
  return change.kind === 'prefix-list' && !change.error && !!change.prefixList?.prefixListId;
}

export async function judgePrefixListChange(change: Change, inventory: Inventory, opts: Options): Promise<PrefixListJudgement> {
  const pl = change.prefixList!;
  const id = pl.prefixListId!;
  const scope: InventoryScope = { account: change.account, region: change.region };
  const notes: string[] = [];
  const alone = (extra: string[]): PrefixListJudgement => {
    const verdict = evaluate(change, opts.policy, { mode: opts.mode, now: opts.now });
    verdict.notes = [...extra, ...(verdict.notes ?? [])];
    verdict.remediation = { ...verdict.remediation, reason: PREFIX_LIST_ALERT_ONLY };
    return { verdict };
  };

  let list;
  let users: InventoryRule[];
  try {
    [list, users] = await Promise.all([inventory.prefixList(scope, id), inventory.rulesReferencing(scope, id)]);
  } catch (error) {
    const reason = `could not look up prefix list ${id} and the rules using it: ${errorText(error)}`;
    opts.onNote?.(`${change.eventName} ${change.eventId}: ${reason}`);
    return alone([reason]);
  }
  const entries = pl.restoredVersion !== undefined ? list?.entries : pl.added;
  if (pl.restoredVersion !== undefined) {
    notes.push(list?.entries ? `restored entries judged as ${inventory.source} holds the list now (${list.entries.length})` : `restored entries not known: ${inventory.source} does not hold the entries of ${id}`);
  }
  if (!entries || entries.length === 0) return alone(notes);
  if (users.length === 0) return alone([...notes, `no rule uses prefix list ${id} (${inventory.source}): nothing it holds is exposed`]);

  const added: PrefixListEntries = { prefixListId: id, ...(list?.name ?? pl.name ? { name: (list?.name ?? pl.name)! } : {}), ...(list?.ownerId ? { ownerId: list.ownerId } : {}), entries };
  const groups = byGroup(users);
  notes.push(`prefix list ${id} is used by ${users.length} rule${users.length === 1 ? '' : 's'} in ${groups.size} group${groups.size === 1 ? '' : 's'}: ${[...groups.keys()].slice(0, 10).join(', ')}${groups.size > 10 ? ', ...' : ''}`);

  const findings: Finding[] = [];
  const exceptions: Verdict['exceptions'] = [];
  const skipped: SkippedException[] = [];
  const judgedAll = await Promise.all(
    [...groups].map(async ([groupId, rules]) => {
      const one: Change = { ...change, groupId, rules: rules.map((r) => addedRule(r)) };
      // Only the group and its interfaces are looked up: the rules (with their tags) and the
      // list (with the entries to judge: the added ones) are already in hand.
      const gathered = await gatherInventoryContext({ ...one, rules: [] }, inventory, opts.onNote);
      const ruleTags = new Map(rules.filter((r) => Object.keys(r.tags).length > 0).map((r) => [r.ruleId, r.tags]));
      const context = { ...gathered.evaluation, prefixLists: new Map([[id, added]]), ...(ruleTags.size > 0 ? { ruleTags } : {}) };
      return { groupId, verdict: evaluate(one, opts.policy, { mode: opts.mode, now: opts.now, context }) };
    }),
  );
  for (const { groupId, verdict } of judgedAll) {
    for (const f of verdict.findings) findings.push({ ...f, groupId, message: `${groupId}: ${f.message}` });
    exceptions.push(...verdict.exceptions);
    for (const s of verdict.skippedExceptions ?? []) if (!skipped.some((k) => k.id === s.id)) skipped.push(s);
    for (const n of verdict.notes ?? []) if (!notes.includes(n)) notes.push(n);
  }
  const severity = worstSeverity(findings);
  const verdict: Verdict<ChangeOutcome> = {
    outcome: severityAtLeast(severity, VIOLATION_THRESHOLD) ? 'violation' : 'compliant',
    severity,
    findings,
    exceptions,
    remediation: { mode: opts.mode, action: 'none', ruleIds: [], permissions: [], reason: PREFIX_LIST_ALERT_ONLY },
    notes,
  };
  if (skipped.length > 0) verdict.skippedExceptions = skipped;
  return { verdict, context: { prefixLists: { [id]: { value: { ...(added.name ? { name: added.name } : {}), ...(added.ownerId ? { ownerId: added.ownerId } : {}), entries: list?.entries?.length ?? entries.length }, source: inventory.source } } } };
}
