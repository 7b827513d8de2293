/** Change builders for policy tests: Change objects built directly, no CloudTrail involved. */
import type { Actor, Change, RuleChange, RuleSource } from '../../lib/model';

export const ACCOUNT = '111122223333';
export const TRUSTED_ACCOUNT = '444455556666';
export const FOREIGN_ACCOUNT = '999988887777';

export function cidr(text: string): RuleSource {
  return text.includes(':') ? { kind: 'cidr6', cidr: text } : { kind: 'cidr4', cidr: text };
}

/** An ingress tcp rule being added: `rule('0.0.0.0/0', 22)`, `rule('0.0.0.0/0', 20, 25)`. */
export function rule(source: string | RuleSource, from: number | null, to: number | null = from, extra: Partial<RuleChange> = {}): RuleChange {
  return {
    action: 'add',
    direction: 'ingress',
    protocol: 'tcp',
    fromPort: from,
    toPort: to,
    source: typeof source === 'string' ? cidr(source) : source,
    description: 'documented',
    ...extra,
  };
}

export const actor = (arn = `arn:aws:iam::${ACCOUNT}:user/alice`, extra: Partial<Actor> = {}): Actor => ({ arn, via: 'cli', ...extra });

export function change(rules: RuleChange[], extra: Partial<Change> = {}): Change {
  return {
    eventId: 'evt-1',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime: '2024-06-01T12:00:00Z',
    account: ACCOUNT,
    region: 'us-east-1',
    eventSource: 'ec2.amazonaws.com',
    actor: actor(),
    kind: 'authorize',
    groupId: 'sg-0123456789abcdef0',
    rules,
    ...extra,
  };
}
