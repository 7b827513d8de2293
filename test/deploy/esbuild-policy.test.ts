/**
 * The `sgwatch-policy` esbuild plugin of esbuild.config.js: the Lambda bundle
 * carries the policy named by the `policyFile` parameter, validated with the
 * real loader at package time and bundled as the resulting policy (JSON), so
 * the Lambda parses no YAML at cold start.
 */
import Module, { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../lib/policy/load';
import type { Policy } from '../../lib/policy/types';

const root = join(__dirname, '..', '..');
const { policyPlugin } = createRequire(join(root, 'package.json'))('./esbuild.config.js') as { policyPlugin: (dir: string, file: string) => Plugin };
const dir = mkdtempSync(join(tmpdir(), 'sgwatch-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(policyFile: string): Promise<string> {
  const out = await build({
    entryPoints: [join(root, 'handlers/bundled-policy.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    logLevel: 'silent',
    loader: { '.yml': 'text' },
    plugins: [policyPlugin(root, policyFile)],
  });
  return out.outputFiles[0].text;
}

/** Runs the bundled module (as the Lambda would) and returns its bundledPolicy(). */
function bundledPolicyOf(code: string): Policy {
  const m = new Module(join(dir, 'bundled-policy.js'));
  m.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(root);
  (m as unknown as { _compile(code: string, file: string): void })._compile(code, m.id);
  return (m.exports as { bundledPolicy(file: string): Policy }).bundledPolicy('policy.yml');
}

describe('policy bundling plugin', () => {
  it('bundles the default policy by default, as the loader parsed it (frozen, no YAML left to parse)', async () => {
    const code = await bundle('lib/policy/default-policy.yml');
    const policy = bundledPolicyOf(code);
    expect(policy).toEqual(parsePolicy(readFileSync(join(root, 'lib/policy/default-policy.yml'), 'utf8'), 'default-policy.yml'));
    expect(Object.isFrozen(policy) && Object.isFrozen(policy.rules) && Object.isFrozen(policy.adminPorts)).toBe(true);
    expect(code).not.toContain('sgwatch default policy'); // the YAML text of the handler's policy is not bundled
  });

  it('bundles a custom policy file in place of the default, merged over the default like parsePolicy does', async () => {
    const file = join(dir, 'custom.yml');
    const text = '# custom sgwatch policy for prod\nadminPorts: [22, 3389, 5985]\nexceptions:\n  - id: vpn\n    reason: office VPN\n    cidr: 198.51.100.0/24\n    until: 2031-01-31\n';
    writeFileSync(file, text);
    const policy = bundledPolicyOf(await bundle(relative(root, file)));
    expect(policy.adminPorts).toEqual([22, 3389, 5985]);
    expect(policy).toEqual(parsePolicy(text, 'custom.yml'));
  });

  it('fails the build on an invalid policy, naming the file and what is wrong', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'adminPorts: [twenty-two]\n');
    const err = await bundle(relative(root, file)).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toMatch(/bad\.yml/);
    expect(String((err as Error).message)).toMatch(/adminPorts/);
  });

  it('fails the build on a missing policy file', async () => {
    const err = await bundle('nope/missing.yml').catch((e: unknown) => e as Error);
    expect(String((err as Error).message)).toMatch(/policyFile nope\/missing\.yml: no such file/);
  });
});
