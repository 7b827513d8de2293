/**
 * The delivery canary (lib/org/member-template.ts): a member stack rewrites
 * the description of the one rule of its unattached `sgwatch-canary` group on
 * a schedule. Its arrival in the central sgwatch proves that the account and
 * region still deliver: it is recorded as that (account, region)'s last
 * heartbeat, and never alerted as a change.
 *
 * Recognised from the change alone: a description update of ingress rules,
 * every one the canary's rule (tcp/9 from 192.0.2.1/32) with a description
 * starting `sgwatch canary`. Anyone allowed to update descriptions could forge
 * one, which at worst hides a silent account until its real canary is late
 * again; a description update changes no access, so nothing is lost by not
 * alerting it.
 */
import type { Change } from '../model';
import { CANARY_DESCRIPTION_PREFIX } from './names';

/** The last canary seen from one (account, region). */
export interface CanaryBeat {
  account: string;
  region: string;
  /** The canary call's eventTime. */
  at: string;
  eventId: string;
}

/** Where heartbeats are kept: the newest per (account, region). */
export interface CanaryStore {
  /** Keeps the beat unless a newer one of the same (account, region) is kept already. */
  putCanary(beat: CanaryBeat): Promise<void>;
  /** Every (account, region) that ever sent one, with its newest beat. */
  canaries(): Promise<CanaryBeat[]>;
}

export function isCanary(change: Change): boolean {
  if (change.eventName !== 'UpdateSecurityGroupRuleDescriptionsIngress' || change.error || change.rules.length === 0) return false;
  return change.rules.every(
    (r) =>
      r.protocol === 'tcp' &&
      r.fromPort === 9 &&
      r.toPort === 9 &&
      r.source?.kind === 'cidr4' &&
      r.source.cidr === '192.0.2.1/32' &&
      typeof r.description === 'string' &&
      r.description.startsWith(CANARY_DESCRIPTION_PREFIX),
  );
}

export const canaryBeatOf = (change: Change): CanaryBeat => ({ account: change.account, region: change.region, at: change.eventTime, eventId: change.eventId });

/** The newer of two beats of the same (account, region). */
export const newerBeat = (a: CanaryBeat | undefined, b: CanaryBeat): CanaryBeat => (a && a.at >= b.at ? a : b);

/** Beats older than `maxAgeMs` at `now`: the (account, region) pairs that went silent. */
export function silentPairs(beats: readonly CanaryBeat[], now: Date, maxAgeMs: number): CanaryBeat[] {
  return beats.filter((b) => now.getTime() - Date.parse(b.at) > maxAgeMs);
}

/** Beats in (account, region) order. */
export const byPair = (a: CanaryBeat, b: CanaryBeat): number => {
  const x = `${a.account}\x00${a.region}`;
  const y = `${b.account}\x00${b.region}`;
  return x < y ? -1 : x > y ? 1 : 0;
};
