/**
 * Terminal colour: one decision and one severity scale for every output
 * (bin/output/colors.ts for the CLI's lines and tables, lib/alerts/console.ts
 * for console alerts), so NO_COLOR means the same thing everywhere and HIGH
 * and CRITICAL are told apart at a glance.
 */
import pc from 'picocolors';
import type { ResultSeverity } from '../model';

type Env = Record<string, string | undefined>;

/**
 * Whether to colour a stream, as no-color.org and FORCE_COLOR define it:
 * never when NO_COLOR is set to a non-empty value (an empty NO_COLOR is
 * "unset"), always when FORCE_COLOR is set and not `0`, else only on a
 * terminal.
 */
export function colorWanted(stream: { isTTY?: boolean }, env: Env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** Severity colours: CRITICAL white on red (inverse), HIGH red, MEDIUM yellow, LOW cyan, INFO blue. */
export function severityPaint(enabled: boolean): Record<ResultSeverity, (s: string) => string> {
  const c = pc.createColors(enabled);
  return {
    critical: (s) => c.bold(c.bgRed(c.white(s))),
    high: (s) => c.bold(c.red(s)),
    medium: c.yellow,
    low: c.cyan,
    info: c.blue,
    none: c.green,
  };
}
