/** In-test stand-ins for the Notifier and Remediator ports: they record what they were asked to do. */
import type { Change, RemediationPlan } from '../../lib/model';
import type { Alert, Notifier, RemediationOutcome, Remediator } from '../../lib/pipeline/ports';

export class RecordingNotifier implements Notifier {
  readonly sent: Alert[] = [];
  /** Calls that fail (an outage) before deliveries succeed again. */
  failures = 0;
  calls = 0;
  constructor(readonly name: 'sns' | 'slack' | 'console') {}
  async send(alert: Alert): Promise<void> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error(`${this.name} unavailable: HTTP 503 from https://hooks.slack.com/services/T000/B000/SECRETSECRET`);
    }
    this.sent.push(structuredClone(alert));
  }
}

export class RecordingRemediator implements Remediator {
  readonly calls: { eventId: string; ruleIds: string[]; permissions: number }[] = [];
  /** What the next calls return; `throw` makes them throw. */
  behaviour: 'revoke' | 'already-gone' | 'fail' | 'throw' = 'revoke';
  async revoke(change: Change, plan: RemediationPlan): Promise<RemediationOutcome> {
    this.calls.push({ eventId: change.eventId, ruleIds: [...plan.ruleIds], permissions: plan.permissions.length });
    switch (this.behaviour) {
      case 'throw':
        throw new Error('UnauthorizedOperation: not allowed to revoke');
      case 'fail':
        return { mode: 'enforce', status: 'failed', ruleIds: plan.ruleIds, permissionsRevoked: 0, detail: 'RequestLimitExceeded' };
      case 'already-gone':
        return { mode: 'enforce', status: 'already-gone', ruleIds: plan.ruleIds, permissionsRevoked: 0, detail: 'InvalidSecurityGroupRuleId.NotFound' };
      default:
        return { mode: 'enforce', status: 'revoked', ruleIds: plan.ruleIds, permissionsRevoked: plan.permissions.length };
    }
  }
}
