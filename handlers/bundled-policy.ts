/**
 * The policy bundled into the Lambda.
 *
 * Without the bundler plugin (tests, tsc) this module parses the shipped
 * default policy's YAML. At package time the `sgwatch-policy` esbuild plugin
 * (esbuild.config.js) replaces this module: it validates the `policyFile`
 * stage parameter with the real loader, then bundles the resulting policy as
 * JSON (adopted as validated by `adoptPrecompiledPolicy`), so a cold start
 * parses no YAML and builds no schema, and a bad policy fails the package,
 * not a 3 a.m. cold start.
 */
import text from '../lib/policy/default-policy.yml';
import { parsePolicy } from '../lib/policy/load';
import type { Policy } from '../lib/policy/types';

/** The bundled policy; `fileName` names it in error messages. */
export function bundledPolicy(fileName: string): Policy {
  return parsePolicy(text, fileName);
}
