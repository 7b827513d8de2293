#!/usr/bin/env node
'use strict';
/**
 * Bundles the `sgwatch` command line (bin/cli.ts) into dist/cli.js with esbuild.
 * Runs at `npm ci` (the `prepare` script), on demand from bin/sgwatch.js when
 * dist/ is missing, and before the benchmark. Small pure-JS dependencies
 * (zod, yaml, commander, ...) are bundled and tree-shaken: loading them whole
 * from node_modules cost ~180 ms at every start. The AWS SDK, Slack, dynalite
 * and classic-level (native LevelDB bindings) stay external and are loaded
 * only by the commands that need them.
 */
const path = require('node:path');

const root = path.join(__dirname, '..');

function options() {
  return {
    absWorkingDir: root,
    // read-worker: the replay's read-ahead thread (lib/cloudtrail/read-ahead.ts), found beside cli.js.
    entryPoints: { cli: 'bin/cli.ts', 'read-worker': 'lib/cloudtrail/read-worker.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@aws-sdk/*', '@slack/webhook', 'classic-level', 'dynalite', 'esbuild'],
    mainFields: ['module', 'main'],
    loader: { '.yml': 'text' },
    sourcemap: 'linked',
    logLevel: 'warning',
  };
}

function buildSync() {
  require('esbuild').buildSync(options());
}

module.exports = { buildSync, options };

if (require.main === module) {
  try {
    buildSync();
  } catch (err) {
    // esbuild has already printed the located errors.
    process.exitCode = 1;
  }
}
