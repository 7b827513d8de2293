/**
 * What an Inventory tells about one change, for the policy (issue 6): the
 * group's exposure, the tags of the group and of the rules it names (tag
 * exceptions), and the entries of the prefix lists its rules reference.
 *
 * Only changes that add or modify rules are looked up (nothing else can
 * have a finding about what a rule exposes). Never throws: a look-up that
 * fails (throttled, access denied, group deleted since) leaves that part
 * unknown (exposure `unknown` with the reason), the change is judged from
 * its record alone for that part, and the reason goes to `onNote`.
 */
import type { Change, ContextFacts, LookedUp, PrefixListFact } from '../model';
import type { EvaluationContext, PrefixListEntries } from '../policy/context';
import { errorText } from '../errors/error-text';
import type { Inventory, InventoryScope } from './inventory';
import { exposureOf, unknownExposure } from './exposure';

export interface Gathered {
  /** For the policy. */
  evaluation: EvaluationContext;
  /** For the result (stored and printed): exposure and the prefix lists as facts. */
  facts: Pick<ContextFacts, 'exposure' | 'prefixLists'>;
}

/** True when the change adds or modifies rules of a group, so that exposure, tags and prefix lists matter. */
export function needsInventoryContext(change: Change): boolean {
  if (change.error) return false;
  for (const r of change.rules) if (r.action === 'add' || r.action === 'modify') return true;
  return false;
}

async function settle<T>(what: string, work: () => Promise<T>, notes: string[]): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const reason = `${what}: ${errorText(error)}`;
    notes.push(reason);
    return { ok: false, reason };
  }
}

export async function gatherInventoryContext(change: Change, inventory: Inventory, onNote?: (note: string) => void): Promise<Gathered> {
  const scope: InventoryScope = { account: change.account, region: change.region };
  const notes: string[] = [];
  const source = inventory.source;
  const groupId = change.groupId;
  const ruleIds = [...new Set(change.rules.flatMap((r) => (r.ruleId && (r.action === 'add' || r.action === 'modify') ? [r.ruleId] : [])))];
  const listIds = [...new Set(change.rules.flatMap((r) => (r.source?.kind === 'prefix-list' && (r.action === 'add' || r.action === 'modify') ? [r.source.prefixListId] : [])))];

  const [group, attached, rules, lists] = await Promise.all([
    groupId ? settle(`could not look up ${groupId}`, () => inventory.group(scope, groupId), notes) : undefined,
    groupId
      ? settle(
          `could not look up the network interfaces using ${groupId}`,
          async () => ((await inventory.knowsInterfaces(scope)) ? inventory.interfacesUsing(scope, groupId) : undefined),
          notes,
        )
      : undefined,
    Promise.all(ruleIds.map((id) => settle(`could not look up rule ${id}`, () => inventory.rule(scope, id), notes))),
    Promise.all(listIds.map((id) => settle(`could not look up prefix list ${id}`, () => inventory.prefixList(scope, id), notes))),
  ]);

  const evaluation: EvaluationContext = {};
  const facts: Gathered['facts'] = {};

  if (!groupId) facts.exposure = unknownExposure('the record names no group id');
  else if (!attached!.ok) facts.exposure = unknownExposure(attached!.reason, source);
  else if (attached!.value === undefined) facts.exposure = unknownExposure(`the inventory holds no network interfaces of ${scope.account}/${scope.region}`, source);
  else facts.exposure = exposureOf(attached!.value, source);
  evaluation.exposure = facts.exposure;

  if (group?.ok && group.value && Object.keys(group.value.tags).length > 0) evaluation.groupTags = group.value.tags;
  const ruleTags = new Map<string, Record<string, string>>();
  rules.forEach((r, i) => {
    // A rule of another group (a stale or foreign id) never lends its tags.
    if (r.ok && r.value && r.value.groupId === groupId && Object.keys(r.value.tags).length > 0) ruleTags.set(ruleIds[i]!, r.value.tags);
  });
  if (ruleTags.size > 0) evaluation.ruleTags = ruleTags;

  const entries = new Map<string, PrefixListEntries>();
  const listFacts: Record<string, LookedUp<PrefixListFact>> = {};
  lists.forEach((l, i) => {
    const id = listIds[i]!;
    if (!l.ok) return;
    if (!l.value) {
      notes.push(`prefix list ${id} not in ${source}`);
      return;
    }
    if (!l.value.entries) {
      notes.push(`prefix list ${id}: ${source} lists it without its entries`);
      return;
    }
    const { name, ownerId } = l.value;
    entries.set(id, { prefixListId: id, ...(name ? { name } : {}), ...(ownerId ? { ownerId } : {}), entries: l.value.entries });
    listFacts[id] = { value: { ...(name ? { name } : {}), ...(ownerId ? { ownerId } : {}), entries: l.value.entries.length }, source };
  });
  if (entries.size > 0) {
    evaluation.prefixLists = entries;
    facts.prefixLists = listFacts;
  }
  if (onNote) for (const n of notes) onNote(`${change.eventName} ${change.eventId}: ${n}`);
  return { evaluation, facts };
}
