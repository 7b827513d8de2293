/**
 * What the policy may know about a change beyond its record, when an
 * inventory answered (issue 6): the group's exposure, the tags of the group
 * and of its rules (tag exceptions), and the entries of the prefix lists its
 * rules name. Every part is optional: without it the change is judged on its
 * record alone, as before. The context module (lib/context/gather.ts) builds
 * it; the policy only reads it.
 */
import type { Exposure } from '../model';

export interface PrefixListEntries {
  prefixListId: string;
  name?: string;
  /** `AWS` for AWS-managed lists. */
  ownerId?: string;
  entries: ReadonlyArray<{ cidr: string; description?: string }>;
}

export interface EvaluationContext {
  exposure?: Exposure;
  /** The group's tags (tag exceptions). */
  groupTags?: Readonly<Record<string, string>>;
  /** Tags of the group's rules, by `sgr-` id (tag exceptions on a rule). */
  ruleTags?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The prefix lists the change's rules name, with their entries; a list absent here is "not resolved". */
  prefixLists?: ReadonlyMap<string, PrefixListEntries>;
}
