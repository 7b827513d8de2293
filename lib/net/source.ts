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
