/**
 * Alerts on the terminal, for local replay: one concise multi-line block per
 * alert on stderr (stdout stays clean for `--format json`). Control and bidi
 * characters from the record are stripped so a hostile description cannot
 * move the cursor or recolour the terminal.
 */
import pc from 'picocolors';
import { colorWanted, severityPaint } from '../terminal/color';
import type { Alert, Notifier } from '../pipeline/ports';
import { describeAlert, severityLabel } from './describe';
import { escapePlain } from './escape';

export interface ConsoleNotifierOptions {
  /** Receives the whole alert (lines joined by `\n`). Default: stderr. */
  write?: (line: string) => void;
  /** Default: lib/terminal/color.ts colorWanted(stderr). */
  color?: boolean;
}

const t = (text: unknown, max = 300) => escapePlain(text, { max, singleLine: true });

/** The alert as text lines, coloured when `color`. Pure. */
export function formatConsoleAlert(alert: Alert, color = false): string {
  const c = pc.createColors(color);
  const paint = severityPaint(color);
  const view = describeAlert(alert);
  const sev = severityLabel(view.severity);
  const group = `${t(view.groupId ?? 'unknown group', 100)}${view.groupName ? ` (${t(view.groupName)})` : ''}`;
  const lines = [
    `${paint[view.severity](`[${sev}]`)} ${c.bold(t(view.headline, 100))} on ${group}  ${c.dim(`${t(view.account, 40)}/${t(view.region, 40)}`)}`,
    `  ${t(view.eventName, 100)} at ${t(view.eventTime, 40)} by ${t(view.actor.name)} via ${t(view.actor.via, 100)}${view.actor.sourceIp ? ` from ${t(view.actor.sourceIp, 100)}` : ''}`,
  ];
  if (view.exposure) lines.push(`  ${c.dim(`exposure: ${t(view.exposure, 400)}`)}`);
  if (view.callError) lines.push(`  call failed: ${t(view.callError.code, 100)}${view.callError.message ? ` (${t(view.callError.message, 300)})` : ''}`);
  for (const f of view.findings.slice(0, 10)) {
    const target = f.ruleText ? `: ${t(f.ruleText, 300)}${f.ruleId ? ` [${t(f.ruleId, 40)}]` : ''}` : '';
    lines.push(`  ${paint[f.severity]('•')} ${t(f.rule, 100)} (${f.severity}${f.baseSeverity ? `, lowered from ${f.baseSeverity}` : ''})${target}`);
  }
  if (view.findings.length > 10) lines.push(`  …and ${view.findings.length - 10} more findings`);
  for (const e of view.exceptions.slice(0, 5)) lines.push(`  ${c.dim(`exception ${t(e.id, 100)}: ${t(e.rule, 100)} — ${t(e.reason)}`)}`);
  for (const n of view.notes.slice(0, 5)) lines.push(`  ${c.dim(`note: ${t(n, 400)}`)}`);
  const action = `${view.action.text}${view.action.detail ? ` (${t(view.action.detail, 300)})` : ''}`;
  lines.push(`  → ${view.action.kind === 'failed' ? c.red(t(action, 600)) : t(action, 600)}`);
  if (view.links.event) lines.push(`  ${c.dim(view.links.event)}`);
  return lines.join('\n');
}

export function createConsoleNotifier(opts: ConsoleNotifierOptions = {}): Notifier {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const color = opts.color ?? colorWanted(process.stderr);
  return {
    name: 'console',
    async send(alert: Alert): Promise<void> {
      write(formatConsoleAlert(alert, color));
    },
  };
}
