/** denied-change-attempt: a security-group call refused for lack of permission (judged on the call, not on rules). */
import { groupPhrase } from './phrases';
import type { CallCheck } from './types';

export const deniedChangeAttempt: CallCheck<'denied-change-attempt'> = {
  id: 'denied-change-attempt',
  scope: 'call',
  why: 'Someone tried to change a security group without permission: a misconfigured pipeline, or a compromised credential probing what it can do.',
  match(change) {
    if (!change.error?.denied) return undefined;
    const who = change.actor.arn ?? change.actor.name ?? 'an unknown caller';
    return `${who} tried ${change.eventName} on ${groupPhrase(change)} and was refused (${change.error.code}): nothing changed, but repeated refused attempts can mean probing or a stolen credential.`;
  },
};
