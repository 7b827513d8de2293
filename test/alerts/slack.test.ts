/**
 * Slack: the message builder (blocks, escaping, limits) and the transport
 * against a real HTTP server on 127.0.0.1 standing in for Slack.
 */
import fc from 'fast-check';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSlackMessage, createSlackCircuitBreaker, createSlackNotifier, makeRedactor, parseRetryAfter, SlackDeliveryError, type SlackMessage } from '../../lib/alerts/slack';
import { actor, alert, exception, finding, outcome, rule } from './builders';

// ------------------------------------------------------------ helpers

/** Every mrkdwn/plain_text string of a message, with where it sits. */
function texts(msg: SlackMessage): { kind: string; text: string }[] {
  const out = [{ kind: 'mrkdwn', text: msg.text }];
  for (const b of msg.blocks) {
    if (b.type === 'header') out.push({ kind: 'plain_text', text: b.text.text });
    if (b.type === 'section') {
      if (b.text) out.push({ kind: b.text.type, text: b.text.text });
      for (const f of b.fields ?? []) out.push({ kind: f.type, text: f.text });
    }
    if (b.type === 'context') for (const e of b.elements) out.push({ kind: e.type, text: e.text });
  }
  return out;
}

/** sgwatch's own links: console URLs built from validated ids, fixed or id labels. */
const OWN_LINK = /<https:\/\/(?:[a-z0-9-]+\.console\.aws\.amazon\.com|console\.amazonaws-us-gov\.com|console\.amazonaws\.cn)\/[A-Za-z0-9/?=#:._-]+\|[A-Za-z0-9 .-]+>/g;

function assertSafe(msg: SlackMessage) {
  expect(msg.blocks.length).toBeLessThanOrEqual(50);
  for (const { kind, text } of texts(msg)) {
    const withoutOwnLinks = text.replace(OWN_LINK, '');
    expect(withoutOwnLinks, text).not.toMatch(/[<>]/);
    if (kind === 'mrkdwn') expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
  }
  for (const b of msg.blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'section') {
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      expect((b.fields ?? []).length).toBeLessThanOrEqual(10);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    if (b.type === 'context') expect(b.elements.length).toBeLessThanOrEqual(10);
  }
}

const HOSTILE_DESCRIPTION = 'ops <!channel> see <https://evil.example|the runbook> & <@U123>';
const HOSTILE_NAME = '*bold* `web` _x_';

function hostileAlert() {
  const r = rule({ description: HOSTILE_DESCRIPTION });
  return alert({
    change: {
      groupName: HOSTILE_NAME,
      rules: [r],
      actor: actor({ arn: 'arn:aws:iam::111122223333:user/<!here>', userAgent: 'curl `x` <!subteam^S1>\nforged line', name: 'eve<@U999>' }),
    },
    verdict: { findings: [finding({ target: r })] },
  });
}

// ------------------------------------------------------------ builder

describe('buildSlackMessage', () => {
  it('has a severity header, the linked group, account/region, actor, rules, why, action and links', () => {
    const msg = buildSlackMessage(alert({ remediation: outcome() }));
    const header = msg.blocks[0];
    expect(header).toEqual({ type: 'header', text: { type: 'plain_text', emoji: true, text: ':rotating_light: CRITICAL: public-admin-port on sg-0123456789abcdef0 (web-sg)' } });
    const all = texts(msg).map((t) => t.text).join('\n');
    expect(all).toContain('<https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#SecurityGroup:groupId=sg-0123456789abcdef0|sg-0123456789abcdef0>');
    expect(all).toContain('`111122223333` / `eu-west-1`');
    expect(all).toContain('`Admin/alice` via AWS CLI (MFA)');
    expect(all).toContain('`203.0.113.9`');
    expect(all).toContain('`tcp/22 (SSH) from 0.0.0.0/0 (anywhere, IPv4) — ingress` `sgr-0aaaaaaaaaaaaaaa1`');
    expect(all).toContain('*public-admin-port* (critical)');
    expect(all).toContain('brute-forced');
    expect(all).toContain('*What sgwatch did:* Revoked 1 rule (sgr-0aaaaaaaaaaaaaaa1).');
    expect(all).toContain('|CloudTrail event>');
    expect(all).toContain('https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60');
    expect(msg.text).toBe('CRITICAL: SSH (tcp/22) open to 0.0.0.0/0 on web-sg (sg-0123456789abcdef0) in 111122223333/eu-west-1 by Admin/alice (AWS CLI) — revoked');
    assertSafe(msg);
  });

  it('the fallback text says what and where in plain words; a value that could be auto-linked goes in a code span', () => {
    const plain = buildSlackMessage(alert({ change: { groupName: 'web-prod', actor: actor({ name: 'alice', via: 'console' }) }, remediation: outcome({ status: 'would-revoke', mode: 'dry-run' }) }));
    expect(plain.text).toBe('CRITICAL: SSH (tcp/22) open to 0.0.0.0/0 on web-prod (sg-0123456789abcdef0) in 111122223333/eu-west-1 by alice (AWS console) — would revoke (dry-run, nothing changed)');
    const egress = rule({ direction: 'egress', protocol: 'tcp', fromPort: 3306, toPort: 3310 });
    const two = buildSlackMessage(alert({ change: { groupName: 'web.prod #ops', rules: [egress] }, verdict: { findings: [finding({ target: egress }), finding({ severity: 'high', target: egress })] } }));
    expect(two.text).toMatch(/^CRITICAL: tcp\/3306-3310 open outbound to 0\.0\.0\.0\/0 \(\+1 more finding\) on `web\.prod #ops` \(sg-0123456789abcdef0\) in /);
    const denied = buildSlackMessage(
      alert({
        reason: 'denied-change-attempt',
        change: { error: { code: 'Client.UnauthorizedOperation', message: 'no', denied: true } },
        verdict: { outcome: 'failed-call', severity: 'medium', findings: [finding({ rule: 'denied-change-attempt', severity: 'medium', target: undefined, remediation: 'alert' })] },
      }),
    );
    expect(denied.text).toMatch(/^MEDIUM: denied-change-attempt: `Client\.UnauthorizedOperation` on web-sg \(sg-0123456789abcdef0\) in 111122223333\/eu-west-1 by Admin\/alice \(AWS CLI\)/);
  });

  it('a verdict whose direction is unknown says so in the header and the fallback', () => {
    const r = rule({ directionUnknown: true, protocol: '-1', fromPort: null, toPort: null });
    const msg = buildSlackMessage(alert({ change: { eventName: 'ModifySecurityGroupRules', rules: [r] }, verdict: { findings: [finding({ rule: 'public-all-ports', target: r })] } }));
    const header = msg.blocks[0];
    expect(header.type === 'header' && header.text.text).toBe(':rotating_light: CRITICAL (direction unknown, judged as ingress): public-all-ports on sg-0123456789abcdef0 (web-sg)');
    expect(msg.text).toMatch(/^CRITICAL: all traffic open to 0\.0\.0\.0\/0 \(direction unknown, judged as ingress\) on web-sg/);
    const known = buildSlackMessage(alert());
    expect(JSON.stringify(known)).not.toContain('direction unknown');
  });

  it('renders mentions, links and formatting from user text as text', () => {
    const msg = buildSlackMessage(hostileAlert());
    const json = JSON.stringify(msg);
    for (const bad of ['<!channel>', '<!here>', '<@U123>', '<@U999>', '<https://evil', '<!subteam']) expect(json).not.toContain(bad);
    const all = texts(msg).map((t) => t.text).join('\n');
    expect(all).toContain('`ops &lt;!channel&gt; see &lt;https://evil.example|the runbook&gt; &amp; &lt;@U123&gt;`');
    expect(all).toContain('`*bold* ˋwebˋ _x_`'); // inside a code span: no formatting applies, backticks cannot close it
    expect(all).not.toContain('\nforged line');
    expect(msg.blocks[0].type === 'header' && msg.blocks[0].text.text).toContain('(*bold* `web` _x_)'); // plain_text: literal
    assertSafe(msg);
  });

  it('shows exceptions, a failed call and a failed revoke', () => {
    const msg = buildSlackMessage(
      alert({
        reason: 'remediation-failed',
        change: { error: undefined },
        verdict: { exceptions: [exception({ reason: 'reviewed <!channel>' })] },
        remediation: outcome({ status: 'failed', ruleIds: [], detail: 'UnauthorizedOperation: You are not authorized <x>' }),
      }),
    );
    const all = texts(msg).map((t) => t.text).join('\n');
    expect(all).toContain('*Exceptions applied*');
    expect(all).toContain('`bastion-ssh` until `2099-01-01`: public-admin-port');
    expect(all).toContain('reviewed &lt;!channel&gt;');
    expect(all).toContain('Revoke FAILED');
    expect(all).toContain('`UnauthorizedOperation: You are not authorized &lt;x&gt;`');
    expect(msg.blocks[0].type === 'header' && msg.blocks[0].text.text).toContain('revoke FAILED');
    assertSafe(msg);

    const denied = buildSlackMessage(
      alert({
        reason: 'denied-change-attempt',
        change: { error: { code: 'Client.UnauthorizedOperation', message: 'not allowed <!here>', denied: true } },
        verdict: { outcome: 'failed-call', severity: 'medium', findings: [finding({ rule: 'denied-change-attempt', severity: 'medium', target: undefined, remediation: 'alert' })], remediation: { mode: 'enforce', action: 'none', ruleIds: [], permissions: [] } },
      }),
    );
    const d = texts(denied).map((t) => t.text).join('\n');
    expect(d).toContain('*The call failed* with `Client.UnauthorizedOperation`');
    expect(d).toContain('`not allowed &lt;!here&gt;`');
    assertSafe(denied);
  });

  it('stays within Block Kit limits with many findings and huge text', () => {
    const many = Array.from({ length: 80 }, (_, i) => finding({ target: rule({ ruleId: `sgr-0${String(i).padStart(16, '0')}`, description: '<'.repeat(5000) }) }));
    const msg = buildSlackMessage(alert({ change: { groupName: 'n'.repeat(1000) }, verdict: { findings: many, exceptions: Array.from({ length: 60 }, () => exception({ reason: '&'.repeat(900) })) } }));
    assertSafe(msg);
    expect(texts(msg).some((t) => t.text.includes('…and 70 more findings'))).toBe(true);
  });

  it('omits links when region or ids are not well-formed', () => {
    const msg = buildSlackMessage(alert({ change: { region: 'eu-west-1|<!channel>', eventId: 'x>y' } }));
    const json = JSON.stringify(msg);
    expect(json).not.toContain('console.aws.amazon.com');
    assertSafe(msg);
  });

  it('property: whatever the user-controlled strings, no < or > except sgwatch links', () => {
    const s = fc.string({ unit: 'binary', maxLength: 300 });
    const mix = fc.oneof(s, fc.array(fc.constantFrom('<!channel>', '<@U1>', '<http://x|y>', '`', '*', '&', '>', '<', '\n', 'a'), { maxLength: 30 }).map((a) => a.join('')));
    fc.assert(
      fc.property(fc.record({ desc: mix, name: mix, arn: mix, ua: mix, ip: mix, reason: mix, detail: mix, code: mix, msg: mix, eventName: mix }), (v) => {
        const r = rule({ description: v.desc });
        const msg = buildSlackMessage(
          alert({
            change: {
              groupName: v.name,
              eventName: v.eventName,
              rules: [r],
              actor: actor({ arn: v.arn, userAgent: v.ua, sourceIp: v.ip, name: v.name }),
              error: { code: v.code, message: v.msg, denied: true },
            },
            verdict: { findings: [finding({ target: r, message: v.msg })], exceptions: [exception({ reason: v.reason, id: v.name })] },
            remediation: outcome({ status: 'failed', detail: v.detail }),
          }),
        );
        assertSafe(msg);
      }),
      { numRuns: 300 },
    );
  });
});

// ------------------------------------------------------------ transport

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Responder = (res: ServerResponse) => void;

let server: Server;
let base: string;
let received: Received[] = [];
let responders: Responder[] = [];

const ok: Responder = (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
const status =
  (code: number, body = '', headers: Record<string, string> = {}): Responder =>
  (res) =>
    res.writeHead(code, { 'content-type': 'text/plain', ...headers }).end(body);
const hang: Responder = () => {
  /* never answers */
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      (responders.shift() ?? ok)(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received = [];
  responders = [];
});

const SECRET_PATH = '/services/T0SECRET1/B0SECRET2/xoxSecretTokenABCDEF123456';
const hookUrl = () => base + SECRET_PATH;

function notifier(extra: { maxRetries?: number; timeoutMs?: number; maxRetryAfterMs?: number } = {}) {
  const waits: number[] = [];
  const n = createSlackNotifier({ webhookUrl: hookUrl(), sleep: async (ms) => void waits.push(ms), ...extra });
  return { n, waits };
}

async function failure(p: Promise<unknown>): Promise<SlackDeliveryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SlackDeliveryError);
    return e as SlackDeliveryError;
  }
  throw new Error('expected a failure');
}

function expectNoSecret(e: Error) {
  const all = `${e.message} ${e.stack ?? ''} ${JSON.stringify(e)} ${String((e as { cause?: unknown }).cause ?? '')}`;
  expect(all).not.toContain(SECRET_PATH);
  expect(all).not.toContain('xoxSecretTokenABCDEF123456');
  expect(all).not.toContain(hookUrl());
}

describe('createSlackNotifier against a local HTTP server', () => {
  it('posts the Block Kit message as JSON, escaped', async () => {
    const { n, waits } = notifier();
    expect(n.name).toBe('slack');
    await n.send(hostileAlert());
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(SECRET_PATH);
    expect(req.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(req.body);
    expect(payload).toMatchObject({ unfurl_links: false, unfurl_media: false });
    expect(payload.blocks).toEqual(JSON.parse(JSON.stringify(buildSlackMessage(hostileAlert()).blocks)));
    expect(req.body).not.toContain('<!channel>');
    expect(req.body).toContain('&lt;!channel&gt;');
    expect(req.body).toContain('&lt;https://evil.example|the runbook&gt;');
    expect(waits).toEqual([]);
  });

  it('429 with Retry-After: waits as asked, retries once, succeeds', async () => {
    responders = [status(429, 'rate_limited', { 'retry-after': '3' }), ok];
    const { n, waits } = notifier();
    await n.send(alert());
    expect(received).toHaveLength(2);
    expect(waits).toEqual([3000]);
    expect(received[1].body).toBe(received[0].body);
  });

  it('429 with a Retry-After beyond the cap fails at once, marked retryable', async () => {
    responders = [status(429, 'rate_limited', { 'retry-after': '120' })];
    const { n, waits } = notifier({ maxRetryAfterMs: 10_000 });
    const e = await failure(n.send(alert()));
    expect(received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(e.status).toBe(429);
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/Retry-After 120 s exceeds the 10 s cap/);
    expectNoSecret(e);
  });

  it('5xx: bounded retries with exponential backoff, then gives up', async () => {
    responders = Array.from({ length: 10 }, () => status(500, 'internal_error'));
    const { n, waits } = notifier({ maxRetries: 3 });
    const e = await failure(n.send(alert()));
    expect(received).toHaveLength(4);
    expect(waits).toEqual([500, 1000, 2000]);
    expect(e.attempts).toBe(4);
    expect(e.status).toBe(500);
    expect(e.message).toBe('Slack webhook failed after 4 attempts: HTTP 500 internal_error');
    expectNoSecret(e);
  });

  it('5xx then 200 succeeds on the retry', async () => {
    responders = [status(503), ok];
    const { n, waits } = notifier();
    await n.send(alert());
    expect(received).toHaveLength(2);
    expect(waits).toEqual([500]);
  });

  it('400 fails once without retry, with a clear message and no URL', async () => {
    responders = [status(400, `invalid_blocks at ${hookUrl()}`)];
    const { n, waits } = notifier();
    const e = await failure(n.send(alert()));
    expect(received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(e.status).toBe(400);
    expect(e.retryable).toBe(false);
    expect(e.message).toBe('Slack webhook rejected the alert: HTTP 400 invalid_blocks at [webhook] (not retried)');
    expectNoSecret(e);
  });

  it('404 no_service (revoked webhook) is not retried', async () => {
    responders = [status(404, 'no_service')];
    const { n } = notifier();
    const e = await failure(n.send(alert()));
    expect(received).toHaveLength(1);
    expect(e.message).toContain('HTTP 404 no_service');
  });

  it('a timeout is never retried: the outcome is unknown (at-most-once)', async () => {
    responders = [hang, hang];
    const { n, waits } = notifier({ timeoutMs: 150, maxRetries: 3 });
    const e = await failure(n.send(alert()));
    expect(received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(e.outcomeUnknown).toBe(true);
    expect(e.retryable).toBe(false);
    expect(e.attempts).toBe(1);
    expect(e.message).toMatch(/did not answer within 150 ms .*may or may not have been posted; not retried/);
    expectNoSecret(e);
  });

  it('a 5xx then a timeout: one retry for the 5xx, none after the timeout', async () => {
    responders = [status(503), hang, hang];
    const { n, waits } = notifier({ timeoutMs: 150, maxRetries: 3 });
    const e = await failure(n.send(alert()));
    expect(received).toHaveLength(2);
    expect(waits).toEqual([500]);
    expect(e.outcomeUnknown).toBe(true);
    expect(e.attempts).toBe(2);
  });

  it('circuit breaker: opens after N failures in a row across sends, said once; a success resets, a 400 does not count', async () => {
    const said: string[] = [];
    const breaker = createSlackCircuitBreaker({ threshold: 3, onOpen: (m) => said.push(m) });
    const n = createSlackNotifier({ webhookUrl: hookUrl(), maxRetries: 1, sleep: async () => {}, breaker });
    responders = [status(503), ok, status(400, 'invalid_blocks'), status(503), status(503), status(500), status(503)];
    await n.send(alert()); // 503 (1), then 200: reset
    await failure(n.send(alert())); // 400: not retried, not counted
    const e = await failure(n.send(alert())); // 503 (1), 503 (2)
    expect(e.message).toBe('Slack webhook failed after 2 attempts: HTTP 503');
    expect(breaker.isOpen()).toBe(false);
    const opened = await failure(n.send(alert())); // 500 (3): open, no retry
    expect(received).toHaveLength(6);
    expect(opened.message).toMatch(/^Slack webhook failed after 1 attempt: HTTP 500; not trying Slack for the rest of this run/);
    expect(breaker.isOpen()).toBe(true);
    const skipped = await failure(n.send(alert()));
    expect(received).toHaveLength(6);
    expect(skipped).toMatchObject({ attempts: 0, retryable: true });
    expect(skipped.message).toMatch(/^Slack not tried: it failed 3 times in a row earlier in this run \(last: HTTP 500\); left for the next run/);
    expect(said).toHaveLength(1);
    expectNoSecret(skipped);
  });

  it('connection refused: the error names no URL', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const url = `http://127.0.0.1:${port}${SECRET_PATH}`;
    const n = createSlackNotifier({ webhookUrl: url, maxRetries: 1, sleep: async () => {} });
    const e = await failure(n.send(alert()));
    expect(e.message).toMatch(/^Slack webhook failed after 2 attempts: request error/);
    expect(e.message).not.toContain(SECRET_PATH);
    expect(e.message).not.toContain(String(port) + SECRET_PATH);
  });

  it('rejects a non-https URL (except loopback) without echoing it', () => {
    expect(() => createSlackNotifier({ webhookUrl: 'http://hooks.slack.com/services/T/B/SECRETSECRET' })).toThrow(/must use https/);
    try {
      createSlackNotifier({ webhookUrl: 'not a url SECRETSECRET' });
    } catch (e) {
      expect((e as Error).message).not.toContain('SECRETSECRET');
    }
  });
});

describe('helpers', () => {
  it('parseRetryAfter reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('5')).toBe(5000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:07 GMT', now)).toBe(7000);
  });

  it('makeRedactor removes the URL, its path and its token', () => {
    const redact = makeRedactor('https://hooks.slack.com/services/T000/B000/abcdefghijklmnop');
    expect(redact('POST https://hooks.slack.com/services/T000/B000/abcdefghijklmnop failed')).toBe('POST [webhook] failed');
    expect(redact('path /services/T000/B000/abcdefghijklmnop')).toBe('path [webhook]');
    expect(redact('token abcdefghijklmnop')).toBe('token [webhook]');
    expect(redact('other https://hooks.slack.com/services/X/Y/Z')).toBe('other [webhook]');
  });
});
