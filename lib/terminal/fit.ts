/**
 * Fitting text lines to a terminal's width, for people: parts are shortened
 * or left out by priority, and a word (an id, a CIDR, a path) is never split.
 * Pure: widths are counted on the plain text, colours are applied after.
 */

/** One part of a line. */
export interface Part {
  /** Plain text (already made safe for a terminal). */
  text: string;
  /** Colour, applied after fitting. */
  paint?: (s: string) => string;
  /** 0: always kept; otherwise the higher, the sooner it is shortened or left out. */
  drop: number;
  /** A shorter form within `room` characters, or undefined when there is none (the part is then left out). */
  shorten?: (room: number) => string | undefined;
  /** The shortest form, kept instead of leaving the part out (a group id without its name). */
  keep?: string;
  /** Shorter forms tried earlier, each at its own priority (`at`, like `drop`), between other parts' steps. */
  forms?: Array<{ at: number; text: string }>;
  /** Joined to the part before it by one space, not two (a policy rule's id after its rule). */
  tight?: boolean;
}

/** One step of fitting: a part shortened to a form (when shorter), to what fits the room, or left out. */
type Step = { at: number; index: number; apply: (p: Part, room: number) => string | null | undefined };

const SEP = '  ';

/** The terminal's width for a stream: its columns on a terminal, else COLUMNS when set, else none (no fitting: pipes and files get whole lines). */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns;
  const n = Number(env.COLUMNS);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

const length = (parts: readonly Part[]): number => parts.reduce((n, p, i) => n + p.text.length + (i === 0 ? 0 : p.tight ? 1 : SEP.length), 0);

const join = (parts: readonly Part[]): string => parts.map((p, i) => (i === 0 ? '' : p.tight ? ' ' : SEP) + (p.paint ? p.paint(p.text) : p.text)).join('');

/** Whether the parts, joined, fit in `width` (always, with no width). */
export function fits(parts: readonly Part[], width: number | undefined, indent = 0): boolean {
  return width === undefined || indent + length(parts) <= width;
}

/**
 * The parts that fit on one line of at most `width` characters (after
 * `indent`), each as it is shown: the part with the highest `drop` is
 * shortened first, or left out when it has no short enough form, then the
 * next. Parts with `drop: 0` are always kept, so a line of only those may
 * still be longer than the width. Each shown part is a copy whose `of` is the
 * part given, so a caller can tell which ones were left out.
 */
export function fitParts(parts: readonly Part[], width: number, indent = 0): Array<Part & { of: Part }> {
  const kept: Array<(Part & { of: Part }) | null> = parts.map((p) => ({ ...p, of: p }));
  const steps: Step[] = [];
  parts.forEach((p, index) => {
    for (const f of p.forms ?? []) steps.push({ at: f.at, index, apply: (cur) => (f.text.length < cur.text.length ? f.text : undefined) });
    if (p.drop <= 0) return;
    if (p.shorten) steps.push({ at: p.drop, index, apply: (_cur, room) => { const s = p.shorten!(room); return s !== undefined && s.length > 0 && s.length <= room ? s : undefined; } });
    steps.push({ at: p.drop, index, apply: (cur) => (p.keep === undefined ? null : p.keep.length < cur.text.length ? p.keep : undefined) });
  });
  // Highest priority number first; among equals, the later part first; a part's own steps in order.
  const order = steps.map((s, n) => ({ s, n })).sort((a, b) => b.s.at - a.s.at || b.s.index - a.s.index || a.n - b.n);
  const shown = () => kept.filter((k): k is Part & { of: Part } => k !== null);
  for (const { s } of order) {
    const over = indent + length(shown()) - width;
    if (over <= 0) break;
    const part = kept[s.index];
    if (!part) continue;
    const next = s.apply(part, part.text.length - over);
    if (next === null) kept[s.index] = null;
    else if (next !== undefined) part.text = next;
  }
  return shown();
}

/** The parts joined on one line of at most `width` characters (fitParts); with no width, whole. */
export function fitLine(parts: readonly Part[], width: number | undefined, indent = 0): string {
  return join(width === undefined ? parts : fitParts(parts, width, indent));
}

/** The text cut after a whole word so that it and `…` fit in `room`; undefined when not even the first word fits. Ids are words, so they are never split. */
export function elideWords(text: string, room: number): string | undefined {
  if (text.length <= room) return text;
  let cut = text.lastIndexOf(' ', room - 1);
  while (cut > 0) {
    const head = text.slice(0, cut).replace(/[\s,;:(—-]+$/, '');
    if (head.length > 0 && head.length + 1 <= room) return `${head}…`;
    cut = text.lastIndexOf(' ', cut - 1);
  }
  return undefined;
}

/**
 * A `path#index` source shortened from the left, a whole folder at a time
 * (`…/name.json#3`); undefined when even the file name does not fit. With
 * room 0, the shortest form (the file name alone), or undefined for a path
 * without folders.
 */
export function elidePath(source: string, room: number): string | undefined {
  if (source.length <= room) return source;
  const segments = source.split('/');
  if (room <= 0) return segments.length > 1 ? `…/${segments[segments.length - 1]}` : undefined;
  for (let i = 1; i < segments.length; i++) {
    const short = `…/${segments.slice(i).join('/')}`;
    if (short.length <= room) return short;
  }
  return undefined;
}

/** Words wrapped to `width` (after an indent on every line but the first); a word longer than a line is put on its own line, whole. */
export function wrapWords(text: string, width: number | undefined, indent: number): string {
  if (width === undefined || indent + text.length <= width) return text;
  const room = Math.max(20, width - indent);
  const lead = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    if (line.trim() && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else line = line.trim() ? `${line} ${word}` : line + word;
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}
