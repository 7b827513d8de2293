/**
 * handlers/ hold wiring only (GUIDE.md, issue 8): on-change.ts stays at most
 * 30 lines of logic. Counted: non-blank lines that are not comments and not
 * part of an import statement.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The lines of `source` that count as logic. */
function logicLines(source: string): string[] {
  const out: string[] = [];
  let inBlockComment = false;
  let inImport = false;
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (inBlockComment) {
      if (line.includes('*/')) inBlockComment = false;
      continue;
    }
    if (line.startsWith('/*')) {
      if (!line.includes('*/')) inBlockComment = true;
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    if (inImport || /^import\b/.test(line)) {
      inImport = !line.endsWith(';');
      continue;
    }
    out.push(line);
  }
  return out;
}

describe('handler size', () => {
  it('the counter skips comments, blank lines and multi-line imports, and counts the rest', () => {
    const src = [
      '/**', ' * header', ' */', "import a from 'a';", 'import {', '  b,', "} from 'b';", '', '// note', 'const x = 1;', '/* one */', 'export function f() {', '  return x;', '}',
    ].join('\n');
    expect(logicLines(src)).toEqual(['const x = 1;', 'export function f() {', 'return x;', '}']);
  });

  it('handlers/on-change.ts holds at most 30 lines of logic', () => {
    const lines = logicLines(readFileSync('handlers/on-change.ts', 'utf8'));
    expect(lines.length, lines.join('\n')).toBeLessThanOrEqual(30);
    expect(lines.length).toBeGreaterThan(0);
  });
});
