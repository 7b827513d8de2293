/**
 * Exceptions indexed by group (lib/policy/compile.ts ExceptionIndex,
 * lib/policy/exceptions.ts exceptionsFor): the same exception wins as when
 * the whole list is searched in policy order.
 */
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../lib/policy/compile';
import { exceptionsFor, findException } from '../../lib/policy/exceptions';
import { evaluate, parsePolicy } from '../../lib/policy';
import { change, rule } from './builders';

const groups = Array.from({ length: 12 }, (_, i) => `sg-0${i.toString(16).padStart(16, '0')}`);
const rules = ['public-admin-port', 'public-high-risk-port', 'public-all-ports', 'undocumented-rule'];

function policyText(n: number): string {
  const lines = ['exceptions:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  - id: ex-${i}`, `    reason: r${i}`);
    if (i % 5 === 0) lines.push('    protocol: tcp');
    else lines.push(`    groupId: ${i % 7 === 0 ? `[${groups[i % 12]}, ${groups[(i + 5) % 12]}]` : groups[i % 12]}`);
    if (i % 3 === 0) lines.push(`    rules: [${rules[i % 4]}]`);
    if (i % 4 === 1) lines.push(`    port: ${[22, 3306, 80][i % 3]}`);
    if (i % 6 === 2) lines.push(`    cidr: 0.0.0.0/0`);
    if (i % 9 === 4) lines.push(`    until: "2024-01-01"`);
  }
  return lines.join('\n') + '\n';
}

describe('exception index', () => {
  const policy = parsePolicy(policyText(300), 'p.yml');
  const cp = compilePolicy(policy);

  it('yields, for every group, exactly the exceptions that can apply to it, in policy order', () => {
    for (const g of [...groups, 'sg-0fffffffffffffff9']) {
      const c = change([], { groupId: g });
      const expected = cp.exceptions.filter((ex) => !ex.groupIds || ex.groupIds.has(g)).map((ex) => ex.id);
      expect(exceptionsFor(cp.exceptionIndex, c).map((ex) => ex.id)).toEqual(expected);
    }
    expect(exceptionsFor(cp.exceptionIndex, change([], { groupId: null })).map((ex) => ex.id)).toEqual(cp.exceptions.filter((ex) => !ex.groupIds).map((ex) => ex.id));
  });

  it('picks the same exception as a search of the whole list, for every finding of many changes', () => {
    let compared = 0;
    let excepted = 0;
    for (const g of groups) {
      for (const [port, cidr] of [[22, '0.0.0.0/0'], [3306, '0.0.0.0/0'], [80, '0.0.0.0/0'], [22, '203.0.113.0/24']] as const) {
        const c = change([rule(cidr, port, port, { description: '' })], { groupId: g, eventTime: '2023-06-01T00:00:00Z' });
        const v = evaluate(c, policy);
        const raw = evaluate(c, parsePolicy('{}\n', 'none.yml')).findings;
        for (const f of raw) {
          const whole = findException(cp.exceptions, f, c, Date.parse(c.eventTime), cp.classifier);
          const applied = v.exceptions.find((e) => e.rule === f.rule);
          expect(applied?.id).toBe(whole?.id);
          compared++;
          if (whole) excepted++;
        }
      }
    }
    expect(compared).toBeGreaterThan(80);
    expect(excepted).toBeGreaterThan(20);
  });
});
