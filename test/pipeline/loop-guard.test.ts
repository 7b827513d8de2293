/** The loop guard's open list of sgwatch's own actions (lib/pipeline/loop-guard.ts). */
import { describe, expect, it } from 'vitest';
import { SELF_ACTIONS, selfActionOf, type SelfAction } from '../../lib/pipeline/loop-guard';
import { createMemoryStore } from '../../lib/store/memory';
import { ACCOUNT, SELF_ROLE_ARN, violation } from './builders';

const selfActor = { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/sgwatch-dev-us-east-1-lambdaRole/s`, roleArn: SELF_ROLE_ARN, type: 'AssumedRole', via: 'sdk' } as const;
const ofKind = (kind: 'revoke' | 'authorize' | 'modify-rules', actor: object = selfActor) => violation({ kind, actor: actor as never }).change;

describe('selfActionOf', () => {
  it("recognises sgwatch's revoke as its remediation, and nothing else sgwatch's role does", () => {
    expect(selfActionOf(ofKind('revoke'), [SELF_ROLE_ARN])?.name).toBe('remediation');
    expect(selfActionOf(ofKind('authorize'), [SELF_ROLE_ARN])).toBeUndefined();
    expect(selfActionOf(ofKind('modify-rules'), [SELF_ROLE_ARN])).toBeUndefined();
    expect(selfActionOf(ofKind('revoke', { arn: `arn:aws:iam::${ACCOUNT}:user/bob`, via: 'console' }), [SELF_ROLE_ARN])).toBeUndefined();
    expect(selfActionOf(ofKind('revoke'), [])).toBeUndefined();
  });

  it('recognises a new action (a future restore) from one more list entry, with its own links', async () => {
    const store = createMemoryStore();
    await store.putIfAbsent({ eventId: 'revoked-by-mistake', result: violation({ eventId: 'revoked-by-mistake' }), steps: {}, storedAt: '2024-05-01T10:00:00Z' });
    const restore: SelfAction = {
      name: 'restoration',
      kinds: ['authorize'],
      findOriginal: async (s) => s.get('revoked-by-mistake'),
      links: { self: 'remediationOf', original: 'remediatedBy' },
      label: "sgwatch's own restore",
    };
    const actions = [...SELF_ACTIONS, restore];
    expect(selfActionOf(ofKind('authorize'), [SELF_ROLE_ARN], actions)).toBe(restore);
    expect(selfActionOf(ofKind('revoke'), [SELF_ROLE_ARN], actions)?.name).toBe('remediation');
    expect((await restore.findOriginal(store, ofKind('authorize')))?.eventId).toBe('revoked-by-mistake');
  });
});
