/**
 * The CloudTrail event names sgwatch understands: the EventBridge rule's
 * `detail.eventName` list. One source: event-names.json, read here and by
 * serverless.yml (`${file(./lib/pipeline/event-names.json):eventNames}`).
 * (The core may keep its own list in lib/cloudtrail/; the integrator dedupes.)
 */
import names from './event-names.json';

export const SECURITY_GROUP_EVENT_NAMES: readonly string[] = names.eventNames;
