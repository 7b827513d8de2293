/**
 * The names the member template creates and the central side recognises
 * (lib/org/member-template.ts, lib/org/canary.ts, lib/org/member-clients.ts).
 * A module of its own, so that the Lambda bundles these names and not the
 * template builder.
 */
export const MEMBER_ROLE_NAME = 'sgwatch-member';
export const CANARY_GROUP_NAME = 'sgwatch-canary';
/** The description the canary writes: recognised centrally, never alerted as a change. */
export const CANARY_DESCRIPTION_PREFIX = 'sgwatch canary';
