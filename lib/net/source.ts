/**
 * Classifies the peer of a rule (RuleSource): CIDRs by CIDR math, group
 * references by owner account, prefix lists as such.
 */
import type { RuleSource } from '../model';
import { CidrClassifier, type CidrClass } from './cidr';

export type SourceClass =
  | CidrClass
  | 'group-own'
  | 'group-trusted'
  | 'group-foreign'
  | 'prefix-list';

export interface SourceContext {
  /** The event's account: a group reference without an owner is in it. */
  account: string;
  trustedAccounts: ReadonlySet<string> | readonly string[];
  /** A classifier built from trustedCidrs (preferred), or the CIDRs themselves. */
  trusted: CidrClassifier | readonly string[];
}

/** A group reference as EC2 and CloudTrail write it: `sg-0abc`, or `123456789012/sg-0abc` across accounts. */
export function groupReference(text: string): Extract<RuleSource, { kind: 'group' }> {
  const slash = text.indexOf('/');
  if (slash > 0) return { kind: 'group', ownerAccount: text.slice(0, slash), groupId: text.slice(slash + 1) };
  return { kind: 'group', groupId: text };
}

/** A source as one text (the `source` of JSON and CSV output, of audit findings): the CIDR, the list id, or the group reference. */
export function sourceText(source: RuleSource | undefined): string | null {
  if (!source) return null;
  switch (source.kind) {
    case 'cidr4':
    case 'cidr6':
      return source.cidr;
    case 'prefix-list':
      return source.prefixListId;
    case 'group': {
      const id = source.groupId ?? source.groupName ?? '?';
      return source.ownerAccount ? `${source.ownerAccount}/${id}` : id;
    }
  }
}

/** The source `sourceText` wrote (audit snapshots keep the text form). */
export function parseSourceText(text: string | null): RuleSource | undefined {
  if (!text) return undefined;
  if (text.startsWith('pl-')) return { kind: 'prefix-list', prefixListId: text };
  if (text.startsWith('sg-') || text.includes('/sg-')) return groupReference(text);
  return text.includes(':') ? { kind: 'cidr6', cidr: text } : { kind: 'cidr4', cidr: text };
}

/** The owner account of a group reference (the event's account when unnamed). */
export function groupOwner(source: Extract<RuleSource, { kind: 'group' }>, account: string): string {
  return source.ownerAccount && source.ownerAccount.trim() !== '' ? source.ownerAccount.trim() : account;
}

/**
 * world | public | trusted | private | invalid for CIDRs; group-own |
 * group-trusted | group-foreign for group references; prefix-list. A rule with
 * no source (named by id only) is `invalid`.
 */
export function classifySource(source: RuleSource | undefined, ctx: SourceContext): SourceClass {
  if (!source) return 'invalid';
  switch (source.kind) {
    case 'cidr4':
    case 'cidr6': {
      const classifier = ctx.trusted instanceof CidrClassifier ? ctx.trusted : new CidrClassifier(ctx.trusted);
      return classifier.classify(source.cidr).class;
    }
    case 'group': {
      const owner = groupOwner(source, ctx.account);
      if (owner === ctx.account) return 'group-own';
      const trusted = ctx.trustedAccounts;
      const isTrusted = trusted instanceof Set ? trusted.has(owner) : (trusted as readonly string[]).includes(owner);
      return isTrusted ? 'group-trusted' : 'group-foreign';
    }
    case 'prefix-list':
      return 'prefix-list';
    default:
      return 'invalid';
  }
}
