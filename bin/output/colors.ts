import pc from 'picocolors';
import type { ResultSeverity, Outcome } from '../../lib/model';
import { colorWanted, severityPaint } from '../../lib/terminal/color';

export type Paint = (s: string) => string;
export interface Palette {
  severity(sev: ResultSeverity, outcome: Outcome): Paint;
  dim: Paint;
  bold: Paint;
}

const plain: Paint = (s) => s;

/** Colour when the flag allows it and the environment does (lib/terminal/color.ts colorWanted: NO_COLOR, FORCE_COLOR, a terminal). */
export function useColor(flag: boolean, stream: NodeJS.WriteStream): boolean {
  return flag && colorWanted(stream);
}

/** Colours only on a terminal, and never with NO_COLOR or --no-color. */
export function palette(enabled: boolean): Palette {
  const c = pc.createColors(enabled);
  const paint = severityPaint(enabled);
  return {
    severity(sev, outcome) {
      if (!enabled) return plain;
      if (outcome === 'invalid') return c.magenta;
      if (outcome === 'ignored') return c.dim;
      return paint[sev as ResultSeverity] ?? paint.none;
    },
    dim: enabled ? c.dim : plain,
    bold: enabled ? c.bold : plain,
  };
}
