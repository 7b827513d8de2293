import pc from 'picocolors';
import type { ResultSeverity, Outcome } from '../../lib/model';

export type Paint = (s: string) => string;
export interface Palette {
  severity(sev: ResultSeverity, outcome: Outcome): Paint;
  dim: Paint;
  bold: Paint;
}

const plain: Paint = (s) => s;

/** Colour when the flag allows it: never with NO_COLOR, always with FORCE_COLOR (not 0), else only on a terminal. */
export function useColor(flag: boolean, stream: NodeJS.WriteStream): boolean {
  if (!flag || 'NO_COLOR' in process.env) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** Colours only on a terminal, and never with NO_COLOR or --no-color. */
export function palette(enabled: boolean): Palette {
  const c = pc.createColors(enabled);
  return {
    severity(sev, outcome) {
      if (!enabled) return plain;
      if (outcome === 'invalid') return c.magenta;
      if (outcome === 'ignored') return c.dim;
      switch (sev) {
        case 'critical':
          return (s) => c.bold(c.red(s));
        case 'high':
          return c.red;
        case 'medium':
          return c.yellow;
        case 'low':
          return c.cyan;
        case 'info':
          return c.blue;
        default:
          return c.green;
      }
    },
    dim: enabled ? c.dim : plain,
    bold: enabled ? c.bold : plain,
  };
}
