/**
 * Slack alerts through an incoming webhook.
 *
 * `buildSlackMessage` is pure: a Block Kit message whose every user-controlled
 * string went through `escape.ts`; the only `<…|…>` links in it are the ones
 * built here from validated ids (EC2 console, CloudTrail console).
 *
 * Transport: @slack/webhook's IncomingWebhook, with its own retries off and a
 * fetch wrapper that keeps the last response's `Retry-After` header (its HTTP
 * error exposes the status and body but not the headers). sgwatch runs the
 * retry loop itself: 429 honours Retry-After (up to a cap; a longer wait gives
 * up at once and leaves the retry to the pipeline's redelivery), 5xx and
 * network errors (connection refused, reset) back off exponentially, other
 * 4xx fail at once.
 *
 * A timeout is never retried: the post may have reached Slack (a slow Slack
 * that answers after the timeout still posts the message), and a webhook
 * post cannot be checked afterwards, so a retry could post it again (it did:
 * 5 copies of each alert). The send throws a SlackDeliveryError with
 * `outcomeUnknown`, and the pipeline records the step `unknown` and never
 * performs it again (at-most-once; README "Slack timeouts").
 *
 * The webhook URL is a secret: it is redacted from every error this module
 * throws, and errors carry no `cause` that could leak it.
 */
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError, type FetchFunction } from '@slack/webhook';
import type { ResultSeverity } from '../model';
import type { Alert, Notifier } from '../pipeline/ports';
import ipaddr from 'ipaddr.js';
import { SERVICE_NAMES, UDP_SERVICE_NAMES } from '../net/ports';
import { describeAlert, severityLabel, type AlertView, type FindingView } from './describe';
import { SLACK_LIMITS, escapeMrkdwn, escapePlainTextObject, fitLines, mrkdwnCode } from './escape';
import { errorMessage } from '../errors/error-text';

// ---------------------------------------------------------------- message

export interface SlackText {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  emoji?: boolean;
  /** mrkdwn only: true = Slack does not auto-link URLs, channel names or mentions in the plain text (always set here). */
  verbatim?: boolean;
}

/** A mrkdwn text object with Slack's automatic parsing off (see the module comment). */
function mrkdwn(text: string): SlackText & { type: 'mrkdwn'; verbatim: true } {
  return { type: 'mrkdwn', text, verbatim: true };
}
export type SlackBlock =
  | { type: 'header'; text: SlackText & { type: 'plain_text' } }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** Fallback for notifications and clients without Block Kit (mrkdwn, escaped). */
  text: string;
  blocks: SlackBlock[];
}

const EMOJI: Record<ResultSeverity, string> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_yellow_circle:',
  info: ':information_source:',
  none: ':white_circle:',
};

/** What sgwatch did, in fixed words (no record text), for the fallback `text`. */
const ACTION_WORDS: Record<AlertView['action']['kind'], string> = {
  revoked: 'revoked',
  'would-revoke': 'would revoke (dry-run, nothing changed)',
  'will-revoke': 'revoking (enforce)',
  'alert-only': 'alert only, not revoked',
  'already-gone': 'already gone',
  failed: 'revoke FAILED: remove it by hand',
  none: 'no action',
};

/** Findings shown one block each; the rest are summarised in one line. */
const MAX_FINDING_BLOCKS = 10;

function link(url: string | undefined, label: string): string | undefined {
  // url comes from describe.ts's validated builders, label from validated ids or fixed text.
  return url ? `<${url}|${label}>` : undefined;
}

function field(title: string, value: string): SlackText {
  return mrkdwn(fitLines([`*${title}*`, value], SLACK_LIMITS.sectionField));
}

function section(lines: string[]): SlackBlock {
  return { type: 'section', text: mrkdwn(fitLines(lines, SLACK_LIMITS.sectionText)) };
}

function groupLabel(view: AlertView): string {
  if (!view.groupId) return view.groupName ? `group named ${mrkdwnCode(view.groupName, { max: 300 })}` : 'unknown group';
  const linked = link(view.links.group, view.groupId) ?? mrkdwnCode(view.groupId, { max: 100 });
  const name = view.groupName ? ` ${mrkdwnCode(view.groupName, { max: 300 })}` : '';
  const vpc = view.vpcId ? ` in ${mrkdwnCode(view.vpcId, { max: 100 })}` : '';
  return linked + name + vpc;
}

/**
 * The findings about one rule of the change, together: the rule once (what,
 * id, description), then each finding on it (policy rule, severity, its
 * sentence), then the fix command when sgwatch is not removing it. A call
 * that adds one all-traffic rule fires three policy rules on it; the rule is
 * shown once, not three times.
 */
interface RuleGroup {
  findings: FindingView[];
}

function targetKey(f: FindingView): string | undefined {
  const t = f.target;
  if (!t) return undefined;
  return JSON.stringify([t.ruleId, t.direction, t.protocol, t.fromPort, t.toPort, t.source, t.description]);
}

function byRule(findings: readonly FindingView[]): RuleGroup[] {
  const groups: RuleGroup[] = [];
  const index = new Map<string, RuleGroup>();
  for (const f of findings) {
    const key = targetKey(f);
    const known = key === undefined ? undefined : index.get(key);
    if (known) {
      known.findings.push(f);
      continue;
    }
    const g = { findings: [f] };
    groups.push(g);
    if (key !== undefined) index.set(key, g);
  }
  return groups;
}

function ruleGroupBlock(g: RuleGroup): SlackBlock {
  const first = g.findings[0];
  const lines: string[] = [];
  if (first.ruleText) {
    const id = first.ruleId ? ` ${mrkdwnCode(first.ruleId, { max: 60 })}` : '';
    lines.push(`${mrkdwnCode(first.ruleText, { max: 400 })}${id}`);
    lines.push(first.description !== undefined ? `Description: ${mrkdwnCode(first.description, { max: 600 })}` : 'Description: _none_');
  }
  for (const f of g.findings) {
    const lowered = f.baseSeverity ? `, lowered from ${f.baseSeverity}` : '';
    const head = `${EMOJI[f.severity]} *${escapeMrkdwn(f.rule, { max: 100 })}* (${f.severity}${lowered})${f.remediation === 'revoke' ? ' — policy: revoke' : ''}`;
    // A finding on a rule: the rule line says what, the why block why. One without (a refused call) has only its sentence.
    lines.push(first.ruleText || !f.message ? head : `${head}: ${escapeMrkdwn(f.message, { max: 800 })}`);
  }
  const t = first.target;
  if (t?.directionUnknown) lines.push('_CloudTrail does not record this rule’s direction: judged as ingress; if it is egress these findings do not apply._');
  if (t?.fieldsNotRecorded?.length) {
    lines.push(`_The request left out ${escapeMrkdwn(t.fieldsNotRecorded.join(', '), { max: 100 })}, which keep their current values: judged on the widest case, never revoked by sgwatch._`);
  }
  if (first.fix) lines.push(`Fix: ${mrkdwnCode(first.fix, { max: 400 })}`);
  return section(lines);
}

/** Why each policy rule that fired matters: once per rule, not once per finding. */
function whyBlock(findings: readonly FindingView[]): SlackBlock | undefined {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const f of findings) {
    if (seen.has(f.rule) || !f.why || f.why === f.message) continue;
    seen.add(f.rule);
    lines.push(`• *${escapeMrkdwn(f.rule, { max: 100 })}*: _${escapeMrkdwn(f.why, { max: 600 })}_`);
  }
  return lines.length ? { type: 'context', elements: [mrkdwn(fitLines(['*Why it matters*', ...lines], SLACK_LIMITS.sectionText))] } : undefined;
}

/** The user agent as shown: long ones (Terraform's run to 300 characters) cut; the record keeps the full text. */
function shortUserAgent(ua: string): string {
  const max = 80;
  if (ua.length <= max) return ua;
  const cut = ua.lastIndexOf(' ', max);
  return `${ua.slice(0, cut > 20 ? cut : max)} …`;
}

/** The worst finding's rule direction is an assumption (ModifySecurityGroupRules without IsEgress). */
function worstDirectionUnknown(view: AlertView): boolean {
  return view.findings[0]?.target?.directionUnknown === true;
}

function headerText(view: AlertView): string {
  const sev = severityLabel(view.severity) + (worstDirectionUnknown(view) ? ' (direction unknown, judged as ingress)' : '');
  const where = view.groupId ?? view.groupName ?? 'unknown group';
  const name = view.groupId && view.groupName ? ` (${view.groupName})` : '';
  return escapePlainTextObject(`${EMOJI[view.severity]} ${sev}: ${view.headline} on ${where}${name}`, SLACK_LIMITS.headerText);
}

// ---------------------------------------------------------------- fallback text

/*
 * The fallback `text` is what a push notification shows: what and where in
 * plain words. It has no `verbatim`, so a value is shown bare only when a
 * strict pattern proves it cannot be auto-linked or parsed (ids, account,
 * region, a parsed CIDR, a simple name); anything else goes in a code span.
 */
const PLAIN = {
  groupId: /^sg-[0-9a-f]{8}(?:[0-9a-f]{9})?$/,
  account: /^\d{12}$/,
  region: /^(?:[a-z]{2}|us-gov)-[a-z]+-\d{1,2}$/,
  name: /^[A-Za-z0-9_+=,-]{1,64}(?:\/[A-Za-z0-9_+=,-]{1,64})?$/,
  prefixList: /^pl-[0-9a-f]{8,17}$/,
};

function plainOr(value: string | undefined, pattern: RegExp, max = 200): string {
  if (value && pattern.test(value)) return value;
  return mrkdwnCode(value ?? 'unknown', { max });
}

function plainCidr(cidr: string): string {
  try {
    const [addr, bits] = ipaddr.parseCIDR(cidr);
    return `${addr.toString()}/${bits}`;
  } catch {
    return mrkdwnCode(cidr, { max: 100 });
  }
}

/** `SSH (tcp/22)`, `tcp/20-25`, `all traffic`, `icmp`; record text only when it is a number or a known protocol. */
function plainPorts(t: NonNullable<FindingView['target']>): string {
  if (t.protocol === '-1') return 'all traffic';
  const from = typeof t.fromPort === 'number' && Number.isInteger(t.fromPort) ? t.fromPort : null;
  const to = typeof t.toPort === 'number' && Number.isInteger(t.toPort) ? t.toPort : null;
  if (t.protocol === 'tcp' || t.protocol === 'udp') {
    if (from === null && to === null) return `${t.protocol} (ports unknown)`;
    const a = from ?? to!;
    const b = to ?? from!;
    if (a !== b) return `${t.protocol}/${a}-${b}`;
    const names = t.protocol === 'tcp' ? SERVICE_NAMES : UDP_SERVICE_NAMES;
    const name = Object.prototype.hasOwnProperty.call(names, a) ? names[a] : undefined;
    return name ? `${name} (${t.protocol}/${a})` : `${t.protocol}/${a}`;
  }
  if (t.protocol === 'icmp' || t.protocol === 'icmpv6') return t.protocol;
  return `protocol ${mrkdwnCode(t.protocol, { max: 40 })}`;
}

function plainSource(source: NonNullable<FindingView['target']>['source']): string {
  if (!source) return 'an unknown source';
  switch (source.kind) {
    case 'cidr4':
    case 'cidr6':
      return plainCidr(source.cidr);
    case 'group': {
      const g = source.groupId ? plainOr(source.groupId, PLAIN.groupId) : source.groupName ? `group ${mrkdwnCode(source.groupName, { max: 200 })}` : 'a security group';
      return source.ownerAccount ? `${g} of account ${plainOr(source.ownerAccount, PLAIN.account)}` : g;
    }
    case 'prefix-list':
      return `prefix list ${plainOr(source.prefixListId, PLAIN.prefixList)}`;
    default:
      return 'an unknown source';
  }
}

function fallbackText(view: AlertView): string {
  const sev = severityLabel(view.severity);
  const worst = view.findings[0];
  const t = worst?.target;
  let what: string;
  if (t) {
    const dir = t.directionUnknown ? ' (direction unknown, judged as ingress)' : '';
    what = t.direction === 'egress' && !t.directionUnknown ? `${plainPorts(t)} open outbound to ${plainSource(t.source)}` : `${plainPorts(t)} open to ${plainSource(t.source)}${dir}`;
  } else if (view.callError) {
    what = `${escapeMrkdwn(view.headline, { max: 100 })}: ${mrkdwnCode(view.callError.code, { max: 120 })}`;
  } else {
    what = escapeMrkdwn(view.headline, { max: 100 });
  }
  const others = view.findings.length - 1;
  if (others > 0) what += ` (+${others} more finding${others === 1 ? '' : 's'})`;
  let where: string;
  if (view.groupId) {
    const id = plainOr(view.groupId, PLAIN.groupId, 100);
    where = view.groupName ? `${plainOr(view.groupName, PLAIN.name, 300)} (${id})` : id;
  } else {
    where = view.groupName ? `group ${plainOr(view.groupName, PLAIN.name, 300)}` : 'an unknown group';
  }
  const acct = `${plainOr(view.account, PLAIN.account, 60)}/${plainOr(view.region, PLAIN.region, 60)}`;
  const who = `${plainOr(view.actor.name, PLAIN.name, 200)} (${escapeMrkdwn(view.actor.via, { max: 100 })})`;
  return fitLines([`${sev}: ${what} on ${where} in ${acct} by ${who} — ${ACTION_WORDS[view.action.kind]}`], SLACK_LIMITS.fallbackText);
}

/** The Block Kit message for an alert. Pure. */
export function buildSlackMessage(alert: Alert): SlackMessage {
  const view = describeAlert(alert);
  const blocks: SlackBlock[] = [];

  blocks.push({ type: 'header', text: { type: 'plain_text', text: headerText(view), emoji: true } });

  const actorLines = [`${mrkdwnCode(view.actor.name, { max: 300 })} via ${escapeMrkdwn(view.actor.via, { max: 200 })}`];
  if (view.actor.mfa !== undefined) actorLines[0] += view.actor.mfa ? ' (MFA)' : ' (no MFA)';
  blocks.push({
    type: 'section',
    fields: [
      field('Security group', groupLabel(view)),
      field('Account / region', `${mrkdwnCode(view.account, { max: 60 })} / ${mrkdwnCode(view.region, { max: 60 })}`),
      field('Actor', actorLines[0]),
      field('Source IP', mrkdwnCode(view.actor.sourceIp ?? 'unknown', { max: 200 })),
      field('Event', `${mrkdwnCode(view.eventName, { max: 120 })} at ${mrkdwnCode(view.eventTime || 'unknown time', { max: 60 })}`),
      ...(view.exposure ? [field('Exposure', escapeMrkdwn(view.exposure, { max: 400 }))] : []),
    ],
  });

  const ctx: SlackText[] = [];
  if (view.actor.arn) ctx.push(mrkdwn(`ARN: ${mrkdwnCode(view.actor.arn, { max: 1000 })}`));
  if (view.actor.userAgent) ctx.push(mrkdwn(`User agent: ${mrkdwnCode(shortUserAgent(view.actor.userAgent), { max: 200 })}`));
  if (ctx.length) blocks.push({ type: 'context', elements: ctx });

  if (view.callError) {
    blocks.push(
      section([
        `*The call failed* with ${mrkdwnCode(view.callError.code, { max: 120 })}: nothing changed.`,
        ...(view.callError.message ? [mrkdwnCode(view.callError.message, { max: 1500 })] : []),
      ]),
    );
  }

  if (view.findings.length) {
    blocks.push({ type: 'divider' });
    const groups = byRule(view.findings);
    const shown = groups.slice(0, MAX_FINDING_BLOCKS);
    for (const g of shown) blocks.push(ruleGroupBlock(g));
    let rest = 0;
    for (const g of groups.slice(MAX_FINDING_BLOCKS)) rest += g.findings.length;
    if (rest > 0) {
      blocks.push({ type: 'context', elements: [mrkdwn(`…and ${rest} more finding${rest === 1 ? '' : 's'} (full list in the SNS JSON and \`sgwatch history\`).`)] });
    }
    const why = whyBlock(view.findings);
    if (why) blocks.push(why);
  }

  if (view.exceptions.length) {
    const lines = ['*Exceptions applied* (these findings were not acted on)'];
    for (const e of view.exceptions) {
      const until = e.until ? ` until ${mrkdwnCode(e.until, { max: 40 })}` : '';
      const target = e.ruleText ? ` on ${mrkdwnCode(e.ruleText, { max: 300 })}` : '';
      lines.push(`• ${mrkdwnCode(e.id, { max: 100 })}${until}: ${escapeMrkdwn(e.rule, { max: 100 })}${target} — ${escapeMrkdwn(e.reason, { max: 500 })}`);
    }
    blocks.push(section(lines));
  }

  if (view.notes.length) {
    const shownNotes = view.notes.slice(0, 5).map((n) => `• ${escapeMrkdwn(n, { max: 400 })}`);
    if (view.notes.length > 5) shownNotes.push(`…and ${view.notes.length - 5} more`);
    blocks.push({ type: 'context', elements: [mrkdwn(fitLines(['*Notes*', ...shownNotes], SLACK_LIMITS.sectionText))] });
  }

  const actionLines = [`*What sgwatch did:* ${escapeMrkdwn(view.action.text, { max: 900 })}`];
  if (view.action.detail) actionLines.push(mrkdwnCode(view.action.detail, { max: 1500 }));
  blocks.push(section(actionLines));

  // The group's console link is on its id in the fields above; not repeated here.
  const links = [link(view.links.event, 'CloudTrail event')].filter(
    (l): l is string => l !== undefined,
  );
  links.push(`Event id ${mrkdwnCode(view.eventId, { max: 100 })}`);
  blocks.push({ type: 'context', elements: [mrkdwn(links.join('  ·  '))] });

  const text = fallbackText(view);

  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

// ---------------------------------------------------------------- transport

/**
 * A circuit breaker for one run (a `sgwatch replay`): after `threshold`
 * consecutive failed posts (any attempt that failed for a reason that says
 * Slack or the webhook is down: network error, timeout, 429, 5xx, 401, 403,
 * 404, 410), Slack is not tried again in this run. Every later send fails at
 * once with a retryable error, so the step is recorded `failed` and the next
 * run retries it. A success resets the count; a 400 (this message was
 * refused) neither counts nor resets.
 */
export interface SlackCircuitBreaker {
  readonly threshold: number;
  /** Why it opened (the last failure), once open. */
  readonly openedBy: string | undefined;
  isOpen(): boolean;
  success(): void;
  failure(what: string): void;
}

export function createSlackCircuitBreaker(opts: { threshold?: number; onOpen?: (message: string) => void } = {}): SlackCircuitBreaker {
  const threshold = Math.max(0, Math.floor(opts.threshold ?? 5));
  let consecutive = 0;
  let openedBy: string | undefined;
  return {
    threshold,
    get openedBy() {
      return openedBy;
    },
    isOpen: () => openedBy !== undefined,
    success() {
      if (openedBy === undefined) consecutive = 0;
    },
    failure(what: string) {
      if (threshold === 0 || openedBy !== undefined) return;
      consecutive++;
      if (consecutive >= threshold) {
        openedBy = what;
        opts.onOpen?.(
          `Slack failed ${threshold} time${threshold === 1 ? '' : 's'} in a row (last: ${what}); not trying Slack for the rest of this run: its remaining alerts are marked failed and the next run retries them`,
        );
      }
    },
  };
}

/** Statuses that say the webhook or Slack is down (count toward the breaker), as opposed to "this message was refused" (400). */
function countsAsOutage(status: number): boolean {
  return status === 429 || status >= 500 || status === 401 || status === 403 || status === 404 || status === 410;
}

export interface SlackNotifierOptions {
  webhookUrl: string;
  /** Shared by every send of one run: stop trying Slack after consecutive failures. Default none. */
  breaker?: SlackCircuitBreaker;
  /** Retries after the first attempt, for 429, 5xx and network errors (never after a timeout). Default 3. */
  maxRetries?: number;
  /** Per-attempt timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Injected for tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Longest Retry-After sgwatch waits in-process; a longer one fails at once (the pipeline retries later). Default 15000 ms. */
  maxRetryAfterMs?: number;
  /** First backoff for 5xx/network errors, doubled per retry, capped at 8 s. Default 500 ms. */
  backoffMs?: number;
}

/** A Slack delivery failure. Its message never contains the webhook URL. */
export class SlackDeliveryError extends Error {
  override readonly name = 'SlackDeliveryError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly attempts: number,
    readonly retryable: boolean,
    /** The post may or may not have been delivered (a timeout): the step is recorded `unknown`, never retried. */
    readonly outcomeUnknown = false,
  ) {
    super(message);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The one webhook URL check (the CLI's --slack-webhook and the Lambda's SSM-held URL): https, or plain http to loopback. Never echoes the URL. */
export function checkWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('Slack webhook URL is not a valid URL (value not shown: it is a secret)');
  }
  const plainOk = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !plainOk) {
    throw new Error('Slack webhook URL must use https (plain http is accepted only for a loopback test server)');
  }
  return url;
}

/** Replaces the webhook URL, its path, and its long path segments (the token) by `[webhook]`. */
export function makeRedactor(webhookUrl: string): (text: string) => string {
  const secrets = new Set<string>([webhookUrl]);
  try {
    const url = new URL(webhookUrl);
    secrets.add(url.href);
    secrets.add(url.origin + url.pathname);
    if (url.pathname.length > 1) secrets.add(url.pathname);
    for (const seg of url.pathname.split('/')) if (seg.length >= 8) secrets.add(seg);
    if (url.search.length > 1) secrets.add(url.search);
  } catch {
    /* not a URL: the whole string is the secret */
  }
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const s of ordered) out = out.split(s).join('[webhook]');
    return out.replace(/https?:\/\/hooks\.slack(?:-gov)?\.com\/\S*/gi, '[webhook]');
  };
}

/** Retry-After as seconds (RFC 9110 allows delay-seconds or an HTTP date). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max) + '…' : flat;
}

export function createSlackNotifier(opts: SlackNotifierOptions): Notifier {
  checkWebhookUrl(opts.webhookUrl);
  const redact = makeRedactor(opts.webhookUrl);
  const maxRetries = Math.max(0, opts.maxRetries ?? 3);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const sleep = opts.sleep ?? defaultSleep;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 15_000;
  const backoffMs = opts.backoffMs ?? 500;

  const backoff = (retry: number) => Math.min(8000, backoffMs * 2 ** retry);

  return {
    name: 'slack',
    async send(alert: Alert): Promise<void> {
      const message = buildSlackMessage(alert);
      // One client per send: its fetch wrapper keeps this send's last Retry-After header,
      // which IncomingWebhookHTTPError does not expose (concurrent sends do not share it).
      let lastRetryAfter: string | null = null;
      const fetchFn: FetchFunction = async (url, init) => {
        lastRetryAfter = null;
        const response = await fetch(url, init as RequestInit);
        lastRetryAfter = response.headers.get('retry-after');
        return response;
      };
      const webhook = new IncomingWebhook(opts.webhookUrl, { fetch: fetchFn, timeout: timeoutMs, retryConfig: { retries: 0 } });
      const attempts = maxRetries + 1;
      let lastProblem = '';
      let lastStatus: number | undefined;
      const breaker = opts.breaker;
      const notTried = (done: number) =>
        new SlackDeliveryError(
          `Slack not tried: it failed ${breaker!.threshold} times in a row earlier in this run (last: ${breaker!.openedBy}); left for the next run`,
          undefined,
          done,
          true,
        );
      for (let attempt = 1; attempt <= attempts; attempt++) {
        let waitMs: number;
        if (breaker?.isOpen()) {
          if (attempt === 1) throw notTried(0);
          throw new SlackDeliveryError(
            `Slack webhook failed after ${attempt - 1} attempt${attempt === 2 ? '' : 's'}: ${lastProblem}; not trying Slack for the rest of this run (${breaker.threshold} failures in a row)`,
            lastStatus,
            attempt - 1,
            true,
          );
        }
        try {
          await webhook.send({ text: message.text, blocks: message.blocks as never, unfurl_links: false, unfurl_media: false });
          breaker?.success();
          return;
        } catch (error) {
          if (error instanceof IncomingWebhookHTTPError) {
            const status = error.statusCode;
            const body = redact(oneLine(String(error.body ?? ''), 200));
            const what = `HTTP ${status}${body ? ` ${body}` : ''}`;
            if (countsAsOutage(status)) breaker?.failure(what);
            if (status === 429) {
              const retryAfter = parseRetryAfter(lastRetryAfter);
              if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) {
                throw new SlackDeliveryError(
                  `Slack webhook rate-limited the alert (HTTP 429, Retry-After ${Math.ceil(retryAfter / 1000)} s exceeds the ${Math.ceil(maxRetryAfterMs / 1000)} s cap); not retried now`,
                  429,
                  attempt,
                  true,
                );
              }
              waitMs = retryAfter ?? backoff(attempt - 1);
            } else if (status >= 500) {
              waitMs = backoff(attempt - 1);
            } else {
              throw new SlackDeliveryError(`Slack webhook rejected the alert: ${what} (not retried)`, status, attempt, false);
            }
            lastProblem = what;
            lastStatus = status;
          } else if (error instanceof IncomingWebhookRequestError) {
            const original = error.original as (Error & { code?: string }) | undefined;
            if (original?.name === 'TimeoutError' || original?.name === 'AbortError') {
              breaker?.failure(`timed out after ${timeoutMs} ms`);
              throw new SlackDeliveryError(
                `Slack webhook did not answer within ${timeoutMs} ms (attempt ${attempt}): the alert may or may not have been posted; not retried, so that it is never posted twice (outcome unknown)`,
                undefined,
                attempt,
                false,
                true,
              );
            }
            lastProblem = `request error: ${redact(oneLine(original?.message ?? error.message, 200))}`;
            lastStatus = undefined;
            breaker?.failure(lastProblem);
            waitMs = backoff(attempt - 1);
          } else {
            const msg = errorMessage(error);
            throw new SlackDeliveryError(`Slack webhook send failed: ${redact(oneLine(msg, 300))}`, undefined, attempt, false);
          }
        }
        if (attempt < attempts && !breaker?.isOpen()) await sleep(waitMs);
      }
      throw new SlackDeliveryError(
        `Slack webhook failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastProblem}`,
        lastStatus,
        attempts,
        true,
      );
    },
  };
}
