import { describe, expect, it } from 'vitest';
import { createConsoleNotifier, formatConsoleAlert } from '../../lib/alerts/console';
import { actor, alert, outcome, rule, finding } from './builders';

describe('console notifier', () => {
  it('writes one concise multi-line alert', async () => {
    const lines: string[] = [];
    const n = createConsoleNotifier({ write: (l) => lines.push(l), color: false });
    expect(n.name).toBe('console');
    await n.send(alert({ remediation: outcome({ mode: 'dry-run', status: 'would-revoke' }) }));
    expect(lines).toHaveLength(1);
    expect(lines[0].split('\n')).toEqual([
      '[CRITICAL] public-admin-port on sg-0123456789abcdef0 (web-sg)  111122223333/eu-west-1',
      '  AuthorizeSecurityGroupIngress at 2024-05-01T12:00:00Z by Admin/alice via AWS CLI from 203.0.113.9',
      '  • public-admin-port (critical): tcp/22 (SSH) from 0.0.0.0/0 (anywhere, IPv4) — ingress [sgr-0aaaaaaaaaaaaaaa1]',
      '  → Would revoke (sgr-0aaaaaaaaaaaaaaa1) — dry-run mode, nothing changed.',
      '  https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60',
    ]);
  });

  it('strips terminal escapes and newlines from record text; colours when asked', () => {
    const r = rule({ description: 'x' });
    const a = alert({ change: { groupName: 'evil\u001b[2J\nFAKE LINE', actor: actor({ name: 'bob\u001b]0;title\u0007' }), rules: [r] }, verdict: { findings: [finding({ target: r })] } });
    const plain = formatConsoleAlert(a, false);
    expect(plain).not.toContain('\u001b');
    expect(plain).not.toMatch(/\nFAKE LINE/);
    const coloured = formatConsoleAlert(a, true);
    expect(coloured).toContain('\u001b[41m'); // our own colour only (CRITICAL: red background)
    expect(coloured).not.toContain('\u001b[2J');
  });
});
