/**
 * Time flags (`--since`, `--until`): `7d`, `12h`, `30m`, `2w` before now, or
 * an ISO date or time. A date alone (`2026-11-30`) is that day in UTC: its
 * start for `--since`, its end for `--until`, so `--since 2026-11-01 --until
 * 2026-11-30` is all of November.
 */
import { UserError } from './errors';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `30m`, `12h`, `7d`, `2w` in ms; undefined when the text is no such duration. */
export function durationMs(text: string): number | undefined {
  const rel = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  return rel ? Number(rel[1]) * UNITS[rel[2]] : undefined;
}

/** The flag's value as an ISO time; a UserError naming the flag when it is neither form. */
export function parseWhen(flag: '--since' | '--until', text: string, now = Date.now()): string {
  const trimmed = text.trim();
  const ago = durationMs(trimmed);
  if (ago !== undefined) return new Date(now - ago).toISOString();
  const t = Date.parse(DATE_ONLY.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed);
  if (Number.isNaN(t)) throw new UserError(`${flag}: expected a duration like 7d, 12h, 30m, 2w or an ISO date, got "${text}"`);
  if (flag === '--until' && DATE_ONLY.test(trimmed)) return new Date(t + UNITS.d - 1).toISOString();
  return new Date(t).toISOString();
}

/** `--since`/`--until` together; refuses a window that ends before it starts. */
export function parseWindow(since: string | undefined, until: string | undefined, now = Date.now()): { since?: string; until?: string } {
  const w = { since: since ? parseWhen('--since', since, now) : undefined, until: until ? parseWhen('--until', until, now) : undefined };
  if (w.since && w.until && w.since > w.until) throw new UserError(`--since ${since} is after --until ${until}: the window is empty`);
  return w;
}
