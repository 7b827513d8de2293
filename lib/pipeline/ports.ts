/**
 * The pipeline's ports: normalise → evaluate → store → notify → remediate.
 * Each side effect sits behind one of these small interfaces, so that the
 * Lambda (DynamoDB, SNS, Slack, EC2), the local replay (embedded store,
 * console, local webhook) and the tests can plug in their own.
 */
import type { CanaryStore } from '../org/canary';
import type { AuditStore } from '../audit/report';
import type { Packing } from '../store/item-size';
import type { Change, RemediationMode, Result, Severity } from '../model';

/**
 * Status of one side-effect step of a record. `unknown`: the step was
 * performed but its outcome could not be learned (a Slack post that timed
 * out may or may not have been delivered, and a webhook post cannot be
 * checked afterwards). It is final, like `done`: never performed again, in
 * this run or a later one (at-most-once; see "Slack timeouts" in README.md).
 */
export type StepState = 'pending' | 'done' | 'skipped' | 'failed' | 'unknown';

/**
 * Thrown by a step's work when the side effect may have happened but its
 * outcome is unknown (a timed-out post). The step is recorded `unknown`,
 * not `failed`, and is not retried.
 */
export interface OutcomeUnknown {
  readonly outcomeUnknown: true;
}
export function isOutcomeUnknown(err: unknown): err is OutcomeUnknown {
  return typeof err === 'object' && err !== null && (err as { outcomeUnknown?: unknown }).outcomeUnknown === true;
}

export interface StepStatus {
  state: StepState;
  at?: string;
  /** Why it failed or was skipped. */
  detail?: string;
  attempts?: number;
  /**
   * While a step is being performed (state `pending`), the invocation that
   * claimed it holds it until this ISO time; a concurrent delivery of the same
   * event does not perform it twice, and a crashed invocation's claim expires.
   */
  leaseUntil?: string;
}

/**
 * The alert channels, in the order they are attempted, and the steps of a
 * record: the one place that lists them. A new channel is one more name here
 * (and a Notifier with that name); its step, `notify<Name>`, follows.
 */
export const CHANNELS = ['sns', 'slack', 'console'] as const;
export type Channel = (typeof CHANNELS)[number];
/** The step that notifies a channel (stored under this name on the record). */
export type NotifyStep = `notify${Capitalize<Channel>}`;
export function notifyStep(channel: Channel): NotifyStep {
  return `notify${channel[0].toUpperCase()}${channel.slice(1)}` as NotifyStep;
}
export type StepName = NotifyStep | 'remediate';

/** What was actually done to the offending rules. */
export interface RemediationOutcome {
  mode: RemediationMode;
  /** revoked: sgwatch removed them; would-revoke: dry-run; alert-only: policy/actor/mode said no; already-gone: not found; failed */
  status: 'revoked' | 'would-revoke' | 'alert-only' | 'already-gone' | 'failed' | 'none';
  ruleIds: string[];
  /** Permissions revoked whose rule id EC2 did not report (old records); one with an id is in ruleIds instead, so ruleIds.length + permissionsRevoked counts each rule once. */
  permissionsRevoked: number;
  detail?: string;
}

/**
 * One stored record: a change, its verdict and what sgwatch did about it.
 * Keyed by CloudTrail eventID, so a redelivered event finds its record.
 */
export interface HistoryRecord {
  eventId: string;
  result: Result;
  steps: Partial<Record<StepName, StepStatus>>;
  remediation?: RemediationOutcome;
  /** Links between related records, e.g. a change and sgwatch's own revoke of it. */
  links?: { remediatedBy?: string; remediationOf?: string };
  /**
   * Not a change of its own but a marker: `unknown-account`, the one alert per account outside the
   * allow-list (its result is that account's first change); `member-role`, the one alert a day per
   * account whose sgwatch-member role cannot be assumed. Markers are in no index.
   */
  marker?: 'unknown-account' | 'member-role';
  storedAt: string;
  /** Retention: epoch seconds after which DynamoDB TTL may delete the record. */
  expiresAt?: number;
  /** Set by a store that had to compress the result to fit one item; `cut` says what it left out, if anything. */
  packing?: Packing;
}

export interface HistoryQuery {
  limit?: number;
  /** ISO time: only records at or after it. */
  since?: string;
}

export interface FindingsQuery extends HistoryQuery {
  minSeverity?: Severity;
}

export interface ChangeStore {
  /** Writes the record unless one with the same eventId exists; returns the stored one either way. */
  putIfAbsent(record: HistoryRecord): Promise<{ created: boolean; record: HistoryRecord }>;
  get(eventId: string): Promise<HistoryRecord | undefined>;
  /** Records a step's status (and optionally the remediation outcome / links) on an existing record. */
  updateStep(eventId: string, step: StepName, status: StepStatus, extra?: Pick<HistoryRecord, 'remediation' | 'links'>): Promise<void>;
  /** The changes of one group, newest first. */
  history(groupId: string, query?: HistoryQuery): Promise<HistoryRecord[]>;
  /** Recent records with findings at or above a severity, newest first. */
  findings(query?: FindingsQuery): Promise<HistoryRecord[]>;
  /**
   * Compare-and-set of one step's status: writes `next` only if the stored
   * status still equals `expected` (same state and attempts; undefined = no
   * status yet). Returns false when another invocation changed it first.
   * The pipeline uses it to claim a step before performing it; it is
   * required, because a plain write would let two concurrent deliveries of
   * one event both perform the step (two alerts, two revokes).
   */
  claimStep(eventId: string, step: StepName, expected: StepStatus | undefined, next: StepStatus): Promise<boolean>;
  /** Merges links into an existing record's links (other links are kept). */
  addLinks(eventId: string, links: NonNullable<HistoryRecord['links']>): Promise<void>;
  /** The last audit snapshot of an (account, region) (lib/audit/report.ts); every store of lib/store/ keeps them. */
  latestAudit?: AuditStore['latestAudit'];
  putAudit?: AuditStore['putAudit'];
  /** The newest delivery canary per (account, region) (lib/org/canary.ts); every store of lib/store/ keeps them. */
  putCanary?: CanaryStore['putCanary'];
  canaries?: CanaryStore['canaries'];
  close?(): Promise<void>;
}

/** An alert as the notifiers receive it. */
export interface Alert {
  record: HistoryRecord;
  /** What sgwatch did or planned about the offending rules. */
  remediation?: RemediationOutcome;
  /** Why this alert is sent: a violation, a denied attempt, or a remediation failure. */
  reason: 'violation' | 'denied-change-attempt' | 'remediation-failed' | 'unknown-account' | 'member-role';
}

export interface Notifier {
  readonly name: Channel;
  send(alert: Alert): Promise<void>;
}

export interface Remediator {
  /** Revokes exactly the planned rule ids / permissions of the change. */
  revoke(change: Change, plan: Result['verdict']['remediation']): Promise<RemediationOutcome>;
}
