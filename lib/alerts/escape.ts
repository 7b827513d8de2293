/**
 * Escaping of user-controlled text for alert channels.
 *
 * Everything that comes from a CloudTrail record (rule descriptions, group
 * names, ARNs, user agents, error messages, tags) is attacker-influenced: a
 * description `<!channel>` must not ping a channel, `<https://evil|docs>` must
 * not become a link, `*bold*` must not restyle the alert, a newline must not
 * forge a new line in a one-line field. These helpers are the only way such
 * text reaches Slack mrkdwn, Slack plain_text or an SNS body/subject.
 *
 * Length caps are applied while escaping, so an entity (`&amp;`) or a
 * surrogate pair is never cut in half.
 */

/** Slack Block Kit limits this module is designed around. */
export const SLACK_LIMITS = {
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  headerText: 150,
  contextElements: 10,
  blocks: 50,
  /** Top-level `text`: Slack truncates at 40,000; keep the notification preview short. */
  fallbackText: 3000,
} as const;

const ELLIPSIS = '…';

/** C0/C1 controls except tab/newline, DEL, the bidi marks (U+061C ALM, U+200E/F LRM/RLM), overrides and isolates (Trojan-source style spoofing), and the BOM. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
// eslint-disable-next-line no-control-regex
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;

export interface EscapeOptions {
  /** Maximum length of the output (in UTF-16 code units, as Slack counts). */
  max?: number;
  /** Replace line breaks and tabs with a space (for one-line fields). Default true. */
  singleLine?: boolean;
}

/** Removes control and bidi characters; folds line breaks when `singleLine`. */
export function stripControl(text: string, singleLine: boolean): string {
  let out = text.replace(CONTROL, '');
  if (singleLine) out = out.replace(LINE_BREAKS, ' ').replace(/\t/g, ' ');
  else out = out.replace(/\r\n?/g, '\n').replace(/[\u0085\u2028\u2029]/g, '\n');
  return out;
}

/**
 * Appends `pieces` (already escaped, each atomic) up to `max` units, ending
 * with `…` when something had to be left out.
 */
function capPieces(pieces: string[], max: number): string {
  let total = 0;
  for (const p of pieces) total += p.length;
  if (total <= max) return pieces.join('');
  const budget = Math.max(0, max - ELLIPSIS.length);
  let out = '';
  for (const p of pieces) {
    if (out.length + p.length > budget) break;
    out += p;
  }
  return out + (max >= ELLIPSIS.length ? ELLIPSIS : '');
}

/** Splits into code points, so caps never split a surrogate pair. */
function codePoints(text: string): string[] {
  return Array.from(text);
}

function mrkdwnEntity(ch: string): string {
  switch (ch) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    default:
      return ch;
  }
}

/** Zero-width space: breaks Slack's `*bold*`, `_italic_`, `~strike~`, `` `code` `` runs without changing what people read. */
const ZWSP = '\u200b';
const FORMATTING = new Set(['*', '_', '~', '`']);

/**
 * Escapes text for Slack mrkdwn outside code spans: `& < >` become entities
 * (so `<!channel>`, `<@U123>`, `<https://x|y>` show as text), formatting
 * characters are neutralised with zero-width spaces, controls are removed.
 */
export function escapeMrkdwn(text: unknown, opts: EscapeOptions = {}): string {
  const clean = stripControl(toText(text), opts.singleLine ?? true);
  const pieces = codePoints(clean).map((ch) => (FORMATTING.has(ch) ? ZWSP + ch + ZWSP : mrkdwnEntity(ch)));
  return capPieces(pieces, opts.max ?? Number.POSITIVE_INFINITY);
}

/** Lookalike for a backtick inside a code span (U+02CB MODIFIER LETTER GRAVE ACCENT). */
const BACKTICK_LOOKALIKE = 'ˋ';

/**
 * Renders text as a Slack inline code span: no formatting, no links, no
 * mentions apply inside; `& < >` are still escaped (Slack decodes them for
 * display); a backtick would close the span early, so it becomes `ˋ`; an
 * empty string renders as `—` (an empty span shows raw backticks).
 * `max` caps the whole span including its backticks.
 */
export function mrkdwnCode(text: unknown, opts: Omit<EscapeOptions, 'singleLine'> = {}): string {
  const clean = stripControl(toText(text), true);
  if (clean.trim() === '') return '—';
  const pieces = codePoints(clean).map((ch) => (ch === '`' ? BACKTICK_LOOKALIKE : mrkdwnEntity(ch)));
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  return '`' + capPieces(pieces, Math.max(1, max - 2)) + '`';
}

/**
 * Text for Slack `plain_text` objects (the header). Slack shows plain_text
 * literally (entities would show as `&amp;`), and never parses mentions or
 * links in it; still, angle brackets are swapped for ‹ › so that the same
 * string is harmless if a caller ever moves it into mrkdwn.
 */
export function escapePlainTextObject(text: unknown, max: number = SLACK_LIMITS.headerText): string {
  const clean = stripControl(toText(text), true).replace(/</g, '‹').replace(/>/g, '›');
  return capPieces(codePoints(clean), max);
}

/**
 * Plain text for e-mail bodies and logs: control and bidi characters
 * removed, line breaks kept unless `singleLine`, capped.
 */
export function escapePlain(text: unknown, opts: EscapeOptions = {}): string {
  const clean = stripControl(toText(text), opts.singleLine ?? true);
  return capPieces(codePoints(clean), opts.max ?? Number.POSITIVE_INFINITY);
}

/**
 * An SNS Subject: printable ASCII only (SNS rejects line breaks and control
 * characters; non-ASCII becomes `?`), fewer than 100 characters, starting
 * with a letter, digit or punctuation, as SNS requires.
 */
export function escapeSubject(text: unknown, max = 99): string {
  let out = stripControl(toText(text), true)
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (out === '') out = 'sgwatch alert';
  if (out.length > max) out = out.slice(0, Math.max(0, max - 3)).trimEnd() + '...';
  return out;
}

/**
 * Joins already-escaped lines with `\n` up to `max` units; lines that do not
 * fit are dropped whole (never cut mid-entity) and replaced by a note.
 */
export function fitLines(lines: string[], max: number, more: (dropped: number) => string = (n) => `…and ${n} more`): string {
  const joined = lines.join('\n');
  if (joined.length <= max) return joined;
  const kept: string[] = [];
  let len = 0;
  for (let i = 0; i < lines.length; i++) {
    const note = more(lines.length - i);
    const line = lines[i];
    const add = (kept.length ? 1 : 0) + line.length;
    const noteLen = 1 + note.length;
    if (len + add + noteLen > max) {
      if (kept.length === 0) {
        // Not even one line fits with the note: keep the note only.
        return note.length <= max ? note : note.slice(0, max);
      }
      return kept.join('\n') + '\n' + note;
    }
    kept.push(line);
    len += add;
  }
  return kept.join('\n');
}

function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : String(value);
}
