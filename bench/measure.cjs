'use strict';
/**
 * One measurement in a fresh process, printed as JSON on stdout:
 *   node bench/measure.cjs parse DIR    reading + gunzip + JSON.parse alone (the baseline)
 *   node bench/measure.cjs library DIR  the same files through the library: read, normalise, evaluate
 */
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

function files(dir) {
  return fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
}

async function parseOnly(dir) {
  let records = 0;
  for (const file of files(dir)) {
    const bytes = fs.readFileSync(file);
    const doc = JSON.parse((file.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes).toString('utf8'));
    records += doc.Records.length;
  }
  return { records };
}

async function library(dir) {
  const sgwatch = require('../dist/cli.js');
  const policy = sgwatch.defaultPolicy();
  let records = 0;
  const outcomes = {};
  for await (const result of sgwatch.replayResults([dir], { policy, mode: 'dry-run' })) {
    records++;
    outcomes[result.verdict.outcome] = (outcomes[result.verdict.outcome] || 0) + 1;
  }
  return { records, outcomes };
}

(async () => {
  const [mode, dir] = process.argv.slice(2);
  const start = process.hrtime.bigint();
  const out = mode === 'parse' ? await parseOnly(dir) : await library(dir);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ ...out, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
})();
