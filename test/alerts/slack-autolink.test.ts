/**
 * Slack auto-linking. Slack's text object reference
 * (https://docs.slack.dev/reference/block-kit/composition-objects/text-object,
 * field `verbatim`): "When set to false (as is default) URLs will be
 * auto-converted into links, conversation names will be link-ified, and
 * certain mentions will be automatically parsed. When set to true, Slack will
 * continue to process all markdown formatting and manual parsing strings, but
 * it won't modify any plain-text content." Inside an inline code span no
 * formatting, link or mention applies (Slack's formatting reference, "Inline
 * code"). So record text is safe in a mrkdwn text object only if the object
 * is `verbatim: true`, or the text sits inside a code span; the top-level
 * `text` fallback is not a text object (no `verbatim`), so there it must be
 * in code spans.
 *
 * The record below carries the hostile tokens in every field of record text
 * that reaches the message.
 */
import { describe, expect, it } from 'vitest';
import { buildSlackMessage, type SlackMessage, type SlackText } from '../../lib/alerts/slack';
import { actor, alert, exception, finding, outcome, rule } from './builders';

const HOSTILE = '@here <!channel> #general http://evil.example';
/** What Slack would auto-parse, as it appears after escaping (& < > are entities; ZWSP removed before the check). */
const TOKENS = ['@here', '!channel', '#general', 'http://evil.example', 'evil.example'];

function hostileAlerts() {
  const r = rule({ description: HOSTILE, ruleId: `sgr-${HOSTILE}` });
  const base = {
    change: {
      groupName: HOSTILE,
      vpcId: HOSTILE,
      eventName: HOSTILE,
      eventTime: HOSTILE,
      account: HOSTILE,
      region: HOSTILE,
      rules: [r],
      actor: actor({ arn: HOSTILE, name: HOSTILE, userAgent: HOSTILE, sourceIp: HOSTILE }),
    },
    verdict: {
      findings: [finding({ target: r, message: HOSTILE })],
      exceptions: [exception({ id: HOSTILE, reason: HOSTILE, until: HOSTILE, target: r })],
      remediation: { mode: 'enforce' as const, action: 'revoke' as const, ruleIds: [`sgr-${HOSTILE}`], permissions: [], reason: HOSTILE },
    },
  };
  return [
    alert({ ...base, remediation: outcome({ status: 'revoked', ruleIds: [`sgr-${HOSTILE}`], detail: HOSTILE }) }),
    alert({ ...base, remediation: outcome({ status: 'alert-only', ruleIds: [], detail: HOSTILE }) }),
    alert({ ...base, reason: 'remediation-failed', remediation: outcome({ status: 'failed', ruleIds: [`sgr-${HOSTILE}`], detail: HOSTILE }) }),
    alert({
      ...base,
      change: { ...base.change, groupId: undefined, error: { code: HOSTILE, message: HOSTILE, denied: true } },
      reason: 'denied-change-attempt',
    }),
    alert({ ...base, change: { ...base.change, groupId: HOSTILE } }),
  ];
}

function mrkdwnObjects(msg: SlackMessage): SlackText[] {
  const out: SlackText[] = [];
  for (const b of msg.blocks) {
    if (b.type === 'section') {
      if (b.text) out.push(b.text);
      out.push(...(b.fields ?? []));
    }
    if (b.type === 'context') out.push(...b.elements);
  }
  return out.filter((t) => t.type === 'mrkdwn');
}

/** The text outside inline code spans, with zero-width spaces removed (they do not stop auto-linking rules being checked strictly). */
function outsideCode(text: string): string {
  return text.replace(/`[^`\n]*`/g, ' ').replace(/\u200b/g, '');
}

describe('Slack auto-linking of record text', () => {
  it('every mrkdwn text object is verbatim or holds @here, <!channel>, #general and URLs only in code spans', () => {
    let checked = 0;
    for (const a of hostileAlerts()) {
      const msg = buildSlackMessage(a);
      expect(JSON.stringify(msg)).toContain('evil.example'); // the record text is there at all
      for (const obj of mrkdwnObjects(msg)) {
        checked++;
        if (obj.verbatim === true) continue;
        const rest = outsideCode(obj.text);
        for (const t of TOKENS) expect(rest, `${t} outside a code span in a non-verbatim text object: ${obj.text}`).not.toContain(t);
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('every mrkdwn text object is verbatim: true', () => {
    for (const a of hostileAlerts()) for (const obj of mrkdwnObjects(buildSlackMessage(a))) expect(obj, obj.text).toMatchObject({ verbatim: true });
  });

  it('the top-level text fallback (no verbatim possible) holds record text only in code spans', () => {
    for (const a of hostileAlerts()) {
      const { text } = buildSlackMessage(a);
      expect(text).toContain('evil.example');
      const rest = outsideCode(text);
      for (const t of TOKENS) expect(rest, `${t} outside a code span in the fallback: ${text}`).not.toContain(t);
    }
  });

  it('our own console links still work: verbatim keeps manual <url|label> links', () => {
    const msg = buildSlackMessage(alert());
    const links = mrkdwnObjects(msg).filter((o) => o.text.includes('<https://'));
    expect(links.length).toBeGreaterThan(0);
    for (const o of links) expect(o.verbatim).toBe(true);
  });
});
