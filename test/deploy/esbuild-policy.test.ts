/**
 * The `sgwatch-policy` esbuild plugin of esbuild.config.js: the Lambda bundle
 * carries the policy named by the `policyFile` parameter, validated with the
 * real loader at package time.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

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

describe('policy bundling plugin', () => {
  it('bundles the default policy by default', async () => {
    expect(await bundle('lib/policy/default-policy.yml')).toContain('sgwatch default policy');
  });

  it('bundles a custom policy file in place of the default', async () => {
    const file = join(dir, 'custom.yml');
    writeFileSync(file, '# custom sgwatch policy for prod\nadminPorts: [22, 3389, 5985]\n');
    const text = await bundle(relative(root, file));
    expect(text).toContain('custom sgwatch policy for prod');
    expect(text).not.toContain('sgwatch default policy');
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
