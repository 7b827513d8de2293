/**
 * A crash is never exit 1 (which means "a finding reached --fail-on"): an
 * unexpected error exits 70 with one line on stderr, the stack only with SGWATCH_DEBUG.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../bin/commands/policy', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../bin/commands/policy')>()),
  policyShowCommand: async () => {
    throw new TypeError("Cannot read properties of undefined (reading 'rules')");
  },
}));

import { main } from '../../bin/cli';

function captureStderr() {
  let text = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  return { spy, text: () => text };
}

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.SGWATCH_DEBUG;
});

describe('an unexpected crash', () => {
  it('exits 70 with one line naming the error, no stack', async () => {
    const err = captureStderr();
    const code = await main(['policy', 'show']);
    expect(code).toBe(70);
    expect(err.text()).toBe("sgwatch: unexpected error: Cannot read properties of undefined (reading 'rules')\n");
  });

  it('prints the stack when SGWATCH_DEBUG is set', async () => {
    process.env.SGWATCH_DEBUG = '1';
    const err = captureStderr();
    const code = await main(['policy', 'show']);
    expect(code).toBe(70);
    expect(err.text().split('\n')[0]).toBe("sgwatch: unexpected error: Cannot read properties of undefined (reading 'rules')");
    expect(err.text()).toMatch(/\n\s+at /);
  });
});
