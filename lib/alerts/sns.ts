/**
 * SNS alerts: one publish per alert, for people and machines at once.
 *
 * - Subject: printable ASCII, fewer than 100 characters (SNS rejects line
 *   breaks/control characters; e-mail subscribers see it as the subject).
 * - MessageStructure `json`: `default` and `email` carry a readable text
 *   body; `sqs`, `lambda`, `http(s)`, `firehose`, `email-json` carry the full JSON alert (the
 *   Result with change and verdict, plus what sgwatch did), kept under the
 *   256 KB publish limit by dropping rules/findings from the end and saying
 *   so in `truncated`.
 * - MessageAttributes for filter policies: `severity`, `outcome` (the
 *   verdict outcome), `rule` as a **String.Array of every finding's rule id**
 *   (SNS matches a filter value against any element, so `{"rule":
 *   ["public-admin-port"]}` catches that rule even when a worse one also
 *   fired; the worst one is first), `account`, `region`, `eventName`, and
 *   `remediation` (what sgwatch did), `alertReason`, `groupId`. Filter e.g.
 *   `{"severity": ["critical"]}` to page only on critical.
 */
import { PublishCommand, SNSClient, type MessageAttributeValue, type PublishCommandInput } from '@aws-sdk/client-sns';
import { TOPIC_ARN } from '../pipeline/config';
import type { Alert, Notifier } from '../pipeline/ports';
import { describeAlert, severityLabel, type AlertView } from './describe';
import { escapePlain, escapeSubject } from './escape';

/** SNS's publish limit (message + attributes), with headroom for attributes and the envelope. */
export const SNS_MAX_BYTES = 256 * 1024;
const MESSAGE_BUDGET = SNS_MAX_BYTES - 8 * 1024;
const MACHINE_COPIES = 6;

export interface SnsMessage {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<string, MessageAttributeValue>;
}

const line = (text: unknown, max = 500) => escapePlain(text, { max, singleLine: true });

/** `[CRITICAL] sgwatch: public-admin-port on sg-0abc… (111122223333/eu-west-1)`; ASCII, < 100 chars. */
function buildSubject(view: AlertView): string {
  const sev = severityLabel(view.severity);
  const tail = ` (${view.account}/${view.region})`;
  const head = `[${sev}] sgwatch: ${view.headline} on `;
  let group = view.groupId ?? view.groupName ?? 'unknown group';
  // Keep the account/region tail whole: shorten the group part first.
  const room = 99 - head.length - tail.length;
  if (group.length > room) group = room > 3 ? group.slice(0, room - 3) + '...' : '';
  return escapeSubject(head + group + tail, 99);
}

/** The readable body for e-mail subscribers. */
function buildTextBody(view: AlertView): string {
  const out: string[] = [];
  const sev = severityLabel(view.severity);
  out.push(`${sev}: ${line(view.headline, 100)} on ${line(view.groupId ?? view.groupName ?? 'unknown group', 300)}`);
  out.push('');
  out.push('WHAT HAPPENED');
  out.push(`  Event:          ${line(view.eventName, 120)} at ${line(view.eventTime || 'unknown time', 60)}`);
  out.push(`  Security group: ${line(view.groupId ?? 'unknown', 100)}${view.groupName ? ` (${line(view.groupName, 300)})` : ''}${view.vpcId ? ` in ${line(view.vpcId, 100)}` : ''}`);
  out.push(`  Account/region: ${line(view.account, 60)} / ${line(view.region, 60)}`);
  if (view.exposure) out.push(`  Exposure:       ${line(view.exposure, 400)}`);
  out.push(`  Actor:          ${line(view.actor.name, 300)} via ${line(view.actor.via, 200)}${view.actor.mfa === undefined ? '' : view.actor.mfa ? ' (MFA)' : ' (no MFA)'}`);
  if (view.actor.arn) out.push(`  Actor ARN:      ${line(view.actor.arn, 1000)}`);
  out.push(`  Source IP:      ${line(view.actor.sourceIp ?? 'unknown', 200)}`);
  if (view.actor.userAgent) out.push(`  User agent:     ${line(view.actor.userAgent, 500)}`);
  if (view.callError) {
    out.push(`  The call FAILED with ${line(view.callError.code, 120)}: nothing changed.`);
    if (view.callError.message) out.push(`  Error:          ${line(view.callError.message, 1500)}`);
  }
  if (view.findings.length) {
    out.push('');
    out.push('FINDINGS');
    for (const f of view.findings.slice(0, 50)) {
      out.push(`  - ${line(f.rule, 100)} (${f.severity}${f.baseSeverity ? `, policy ${f.baseSeverity}` : ''})${f.remediation === 'revoke' ? ', policy: revoke' : ''}`);
      if (f.ruleText) out.push(`    Rule:        ${line(f.ruleText, 400)}${f.ruleId ? ` [${line(f.ruleId, 60)}]` : ''}`);
      if (f.ruleText) out.push(`    Description: ${f.description === undefined ? '(none)' : JSON.stringify(line(f.description, 600))}`);
      out.push(`    Why:         ${line(f.why, 600)}`);
      if (f.message && f.message !== f.why) out.push(`    Detail:      ${line(f.message, 800)}`);
      if (f.fix) out.push(`    Fix:         ${f.fix}`);
    }
    if (view.findings.length > 50) out.push(`  ...and ${view.findings.length - 50} more findings (see the JSON message).`);
  }
  if (view.exceptions.length) {
    out.push('');
    out.push('EXCEPTIONS APPLIED (not acted on)');
    for (const e of view.exceptions.slice(0, 50)) {
      out.push(`  - ${line(e.id, 100)}${e.until ? ` until ${line(e.until, 40)}` : ''}: ${line(e.rule, 100)}${e.ruleText ? ` on ${line(e.ruleText, 300)}` : ''}`);
      out.push(`    Reason: ${line(e.reason, 500)}`);
    }
  }
  if (view.notes.length) {
    out.push('');
    out.push('NOTES');
    for (const n of view.notes.slice(0, 20)) out.push(`  - ${line(n, 500)}`);
  }
  out.push('');
  out.push('WHAT SGWATCH DID');
  out.push(`  ${line(view.action.text, 900)}`);
  if (view.action.detail) out.push(`  Detail: ${line(view.action.detail, 1500)}`);
  out.push('');
  out.push('LINKS');
  if (view.links.group) out.push(`  Security group:   ${view.links.group}`);
  if (view.links.event) out.push(`  CloudTrail event: ${view.links.event}`);
  out.push(`  Event id:         ${line(view.eventId, 100)}`);
  out.push('');
  out.push('-- sgwatch');
  return out.join('\n');
}

/** The machine-readable alert, shrunk until its JSON fits `budget` bytes. */
function buildMachinePayload(alert: Alert, view: AlertView, budget = MESSAGE_BUDGET / MACHINE_COPIES): Record<string, unknown> {
  const build = (maxRules: number, maxFindings: number) => {
    const result = alert.record.result;
    const change = result.change;
    const rulesTotal = change?.rules.length ?? 0;
    const findingsTotal = result.verdict.findings.length;
    const truncated =
      rulesTotal > maxRules || findingsTotal > maxFindings
        ? { rules: { kept: Math.min(rulesTotal, maxRules), total: rulesTotal }, findings: { kept: Math.min(findingsTotal, maxFindings), total: findingsTotal } }
        : undefined;
    return {
      schema: 'sgwatch.alert/v1',
      reason: alert.reason,
      eventId: view.eventId,
      severity: view.severity,
      outcome: view.outcome,
      rules: view.ruleIds,
      remediation: alert.remediation ?? alert.record.remediation ?? null,
      action: { kind: view.action.kind, text: view.action.text },
      links: { group: view.links.group ?? null, event: view.links.event ?? null, ...alert.record.links },
      result: {
        ...result,
        change: change ? { ...change, rules: change.rules.slice(0, maxRules) } : undefined,
        verdict: { ...result.verdict, findings: result.verdict.findings.slice(0, maxFindings) },
      },
      ...(truncated ? { truncated } : {}),
    };
  };
  let maxRules = Number.POSITIVE_INFINITY;
  let maxFindings = Number.POSITIVE_INFINITY;
  let payload = build(maxRules, maxFindings);
  // Halve the longest list until it fits; rules and findings are the only unbounded parts.
  for (let i = 0; i < 40 && Buffer.byteLength(JSON.stringify(payload)) > budget; i++) {
    const rules = (payload.result.change?.rules.length ?? 0) as number;
    const findings = payload.result.verdict.findings.length;
    if (rules === 0 && findings === 0) break;
    if (rules >= findings) maxRules = Math.floor(rules / 2);
    else maxFindings = Math.floor(findings / 2);
    payload = build(maxRules, maxFindings);
  }
  return payload;
}

function attr(value: string): MessageAttributeValue {
  const clean = escapeSubject(value, 256);
  return { DataType: 'String', StringValue: clean || 'unknown' };
}

/** Builds the publish input (minus TopicArn). Pure. */
export function buildSnsMessage(alert: Alert): SnsMessage {
  const view = describeAlert(alert);
  let body = buildTextBody(view);
  if (body.length > 30_000) body = body.slice(0, 30_000) + '\n...(truncated; the JSON message has the full alert)';
  const envelope = (machine: string) =>
    JSON.stringify({ default: body, email: body, 'email-json': machine, sqs: machine, lambda: machine, https: machine, http: machine, firehose: machine });
  // Six protocols carry the JSON, each escaped once more inside the envelope.
  let budget = Math.floor((MESSAGE_BUDGET - 2 * Buffer.byteLength(body) * 1.2) / (MACHINE_COPIES * 1.3));
  let message = envelope(JSON.stringify(buildMachinePayload(alert, view, budget)));
  for (let i = 0; i < 10 && Buffer.byteLength(message) > MESSAGE_BUDGET; i++) {
    budget = Math.floor(budget / 2);
    message = envelope(JSON.stringify(buildMachinePayload(alert, view, budget)));
  }
  if (Buffer.byteLength(message) > MESSAGE_BUDGET) {
    // A single field is huge (not a list): send the essentials and say so.
    const minimal = { schema: 'sgwatch.alert/v1', reason: alert.reason, eventId: view.eventId, severity: view.severity, outcome: view.outcome, rules: view.ruleIds, truncated: 'alert too large for SNS; see the sgwatch history record' };
    body = body.slice(0, 20_000) + '\n...(truncated)';
    message = envelope(JSON.stringify(minimal));
  }
  const ruleIds = view.ruleIds.length ? view.ruleIds : [view.reason];
  return {
    Subject: buildSubject(view),
    Message: message,
    MessageStructure: 'json',
    MessageAttributes: {
      severity: attr(view.severity),
      outcome: attr(view.outcome),
      rule: { DataType: 'String.Array', StringValue: JSON.stringify(ruleIds.map((r) => escapeSubject(r, 100))) },
      account: attr(view.account),
      region: attr(view.region),
      eventName: attr(view.eventName),
      remediation: attr(view.action.kind),
      alertReason: attr(view.reason),
      ...(view.groupId ? { groupId: attr(view.groupId) } : {}),
    },
  };
}

export interface SnsNotifierOptions {
  topicArn: string;
  client?: SNSClient;
}

export function createSnsNotifier(opts: SnsNotifierOptions): Notifier {
  if (!TOPIC_ARN.test(opts.topicArn)) throw new Error(`SNS topic ARN is not valid: ${escapePlain(opts.topicArn, { max: 300 })}`);
  // The topic's region decides where to publish, whatever the process's default region is.
  const region = opts.topicArn.split(':')[3];
  const client = opts.client ?? new SNSClient({ region });
  return {
    name: 'sns',
    async send(alert: Alert): Promise<void> {
      const input: PublishCommandInput = { TopicArn: opts.topicArn, ...buildSnsMessage(alert) };
      if (opts.topicArn.endsWith('.fifo')) {
        // FIFO topics need a group and a dedup id; the CloudTrail event id makes redelivery a no-op.
        input.MessageGroupId = alert.record.result.change?.groupId ?? 'sgwatch';
        input.MessageDeduplicationId = `${alert.record.eventId}:${alert.reason}`.slice(0, 128).replace(/[^\x21-\x7e]/g, '_');
      }
      try {
        await client.send(new PublishCommand(input));
      } catch (error) {
        const e = error as { name?: string; message?: string };
        throw new Error(`SNS publish to ${opts.topicArn} failed: ${e.name ?? 'Error'}: ${escapePlain(e.message ?? String(error), { max: 300 })}`);
      }
    },
  };
}
