/**
 * serverless-esbuild options for the Lambda bundle (custom.esbuild.config in
 * serverless.yml). Everything is bundled, the AWS SDK v3 included: the
 * runtime's SDK version changes under us without notice, the pinned one is
 * what the tests ran against, and tree-shaken + minified it stays well under
 * the 1 MB zip target.
 *
 * The `sgwatch-policy` plugin bundles the policy named by the `policyFile`
 * stage parameter in place of the default, after validating it with the real
 * policy loader, so a bad custom policy fails `osls package`, not a 3 a.m.
 * cold start.
 */
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const Module = require('node:module');
const esbuild = require('esbuild');

const DEFAULT_POLICY = 'lib/policy/default-policy.yml';

/** Loads lib/policy/load.ts through esbuild (it is TypeScript) and returns its parsePolicy. */
function loadPolicyParser(serviceDir) {
  const out = esbuild.buildSync({
    entryPoints: [path.join(serviceDir, 'lib/policy/load.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    loader: { '.yml': 'text' },
  });
  const m = new Module(path.join(serviceDir, 'lib/policy/load.bundled.js'));
  m.paths = Module._nodeModulePaths(serviceDir);
  m._compile(out.outputFiles[0].text, m.id);
  return m.exports.parsePolicy;
}

/** Fails the build with the policy's own error (file, path inside it, what is expected). */
function validatePolicy(serviceDir, policyPath, shownName) {
  if (!fs.existsSync(policyPath)) return `policyFile ${shownName}: no such file (relative to ${serviceDir})`;
  try {
    const parsePolicy = loadPolicyParser(serviceDir);
    parsePolicy(fs.readFileSync(policyPath, 'utf8'), shownName);
    return undefined;
  } catch (err) {
    const problems = Array.isArray(err && err.problems) ? err.problems.join('\n  ') : '';
    return `invalid policy ${shownName}: ${err && err.message ? err.message : String(err)}${problems && !String(err.message).includes(problems) ? `\n  ${problems}` : ''}`;
  }
}

function policyPlugin(serviceDir, policyFile) {
  const policyPath = path.resolve(serviceDir, policyFile);
  return {
    name: 'sgwatch-policy',
    setup(build) {
      build.onStart(() => {
        const error = validatePolicy(serviceDir, policyPath, policyFile);
        return error ? { errors: [{ text: error }] } : undefined;
      });
      build.onResolve({ filter: /default-policy\.yml$/ }, (args) => {
        const importer = args.importer.split(path.sep).join('/');
        if (!importer.endsWith('handlers/bundled-policy.ts')) return undefined;
        return { path: policyPath, watchFiles: [policyPath] };
      });
    },
  };
}

module.exports = (serverless) => {
  const serviceDir = serverless.serviceDir || serverless.config.serviceDir || process.cwd();
  const custom = (serverless.service.custom && serverless.service.custom.sgwatch) || {};
  const policyFile = custom.policyFile || DEFAULT_POLICY;
  return {
    bundle: true,
    minify: true,
    treeShaking: true,
    sourcemap: false,
    target: 'node22',
    platform: 'node',
    format: 'cjs',
    // Prefer the ES module builds: they tree-shake far better (AWS SDK, Powertools, middy).
    mainFields: ['module', 'main'],
    exclude: [],
    external: [],
    packager: 'npm',
    loader: { '.yml': 'text' },
    legalComments: 'none',
    plugins: [policyPlugin(serviceDir, policyFile)],
  };
};

module.exports.policyPlugin = policyPlugin;
module.exports.validatePolicy = validatePolicy;
