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
 * cold start. It bundles the validated policy itself (JSON), not its YAML, so
 * the cold start parses no YAML and builds no schema.
 *
 * The `sgwatch-sdk-schemas` plugin makes the AWS SDK's generated schema
 * tables tree-shakeable (see sdkSchemaPlugin): the EC2 client alone otherwise
 * keeps ~550 KB of schemas for every EC2 operation, most of the bundle's
 * parse time at cold start.
 */
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const Module = require('node:module');
const util = require('node:util');
const esbuild = require('esbuild');

const DEFAULT_POLICY = 'lib/policy/default-policy.yml';

/** Loads a TypeScript module of the project (bundled with esbuild, in memory) and returns its exports. */
function loadTsModule(serviceDir, file) {
  const out = esbuild.buildSync({
    entryPoints: [path.join(serviceDir, file)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    loader: { '.yml': 'text' },
  });
  const m = new Module(path.join(serviceDir, file.replace(/\.ts$/, '.bundled.js')));
  m.paths = Module._nodeModulePaths(serviceDir);
  m._compile(out.outputFiles[0].text, m.id);
  return m.exports;
}

/** lib/policy/load.ts's parsePolicy. */
function loadPolicyParser(serviceDir) {
  return loadTsModule(serviceDir, 'lib/policy/load.ts').parsePolicy;
}

/**
 * Parses the policy with the real loader. Returns `{ policy }`, or `{ error }`
 * with the policy's own message (file, path inside it, what is expected).
 */
function compilePolicy(serviceDir, policyPath, shownName) {
  if (!fs.existsSync(policyPath)) return { error: `policyFile ${shownName}: no such file (relative to ${serviceDir})` };
  try {
    const parsePolicy = loadPolicyParser(serviceDir);
    return { policy: parsePolicy(fs.readFileSync(policyPath, 'utf8'), shownName) };
  } catch (err) {
    const problems = Array.isArray(err && err.problems) ? err.problems.join('\n  ') : '';
    return { error: `invalid policy ${shownName}: ${err && err.message ? err.message : String(err)}${problems && !String(err.message).includes(problems) ? `\n  ${problems}` : ''}` };
  }
}

/** The module that replaces handlers/bundled-policy.ts in the bundle: the validated policy as JSON. */
function precompiledPolicyModule(serviceDir, policy, shownName) {
  const json = JSON.stringify(policy);
  // Only plain data survives JSON; refuse anything else rather than bundle a different policy.
  if (!util.isDeepStrictEqual(JSON.parse(json), policy)) {
    return { error: `policy ${shownName}: the parsed policy is not plain JSON data; cannot precompile it` };
  }
  const load = JSON.stringify(path.join(serviceDir, 'lib/policy/load.ts'));
  return {
    contents: [
      `// ${shownName}, validated by the policy loader at package time (esbuild.config.js).`,
      `import { adoptPrecompiledPolicy } from ${load};`,
      `let policy;`,
      `export function bundledPolicy(_fileName) {`,
      `  return (policy ??= adoptPrecompiledPolicy(JSON.parse(${JSON.stringify(json)})));`,
      `}`,
      '',
    ].join('\n'),
  };
}

function policyPlugin(serviceDir, policyFile) {
  const policyPath = path.resolve(serviceDir, policyFile);
  return {
    name: 'sgwatch-policy',
    setup(build) {
      let compiled;
      build.onStart(() => {
        compiled = compilePolicy(serviceDir, policyPath, policyFile);
        if (!compiled.error) compiled = { ...compiled, ...precompiledPolicyModule(serviceDir, compiled.policy, policyFile) };
        return compiled.error ? { errors: [{ text: compiled.error }] } : undefined;
      });
      build.onLoad({ filter: /[\\/]handlers[\\/]bundled-policy\.ts$/ }, () => ({
        contents: compiled.contents,
        loader: 'js',
        resolveDir: serviceDir,
        watchFiles: [policyPath],
      }));
    },
  };
}

const SDK_SCHEMAS = /[\\/]node_modules[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/;

/**
 * The SDK's generated schema modules (`@aws-sdk/client-x/dist-es/schemas/schemas_0.js`)
 * hold one `export var Foo$ = [3, n0, _F, 0, [...], [[() => Bar$, { [_xN]: _b }]]]`
 * per shape, the names in module-level string constants (`const _xN = "xmlName";`).
 * esbuild cannot tell that a computed key `[_xN]` has no side effect, so it keeps
 * every such shape, used or not. Writing the constant's string literal into the key
 * (`["xmlName"]`) is the same code and lets esbuild drop the unused shapes
 * (EC2: 552 KB → 4 KB). Keys whose constant is not a plain string literal stay as they are.
 */
function sdkSchemaPlugin() {
  return {
    name: 'sgwatch-sdk-schemas',
    setup(build) {
      build.onLoad({ filter: SDK_SCHEMAS }, (args) => ({ contents: inlineSchemaKeys(fs.readFileSync(args.path, 'utf8')), loader: 'js' }));
    },
  };
}

function inlineSchemaKeys(source) {
  const constants = new Map();
  const duplicated = new Set();
  for (const m of source.matchAll(/^(?:export )?const (_[A-Za-z0-9_$]+) = ("[^"\\\n]*");$/gm)) {
    if (constants.has(m[1])) duplicated.add(m[1]);
    constants.set(m[1], m[2]);
  }
  return source.replace(/\[(_[A-Za-z0-9_$]+)\]:/g, (all, id) => (constants.has(id) && !duplicated.has(id) ? `[${constants.get(id)}]:` : all));
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
    // One plain build per package, no esbuild context: serverless-esbuild never disposes a
    // context whose first build failed (a bad policy), and its live esbuild child process kept
    // `osls package` from ever exiting after printing the error. Nothing here uses watch mode.
    skipRebuild: true,
    plugins: [policyPlugin(serviceDir, policyFile), sdkSchemaPlugin()],
  };
};

module.exports.policyPlugin = policyPlugin;
module.exports.compilePolicy = compilePolicy;
module.exports.loadTsModule = loadTsModule;
module.exports.sdkSchemaPlugin = sdkSchemaPlugin;
module.exports.inlineSchemaKeys = inlineSchemaKeys;
