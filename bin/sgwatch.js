#!/usr/bin/env node
'use strict';
// The `sgwatch` command. The TypeScript CLI is bundled to dist/cli.js at
// install time (npm's `prepare`); if that was skipped, bundle it now.
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(built)) {
  require('../scripts/build-cli.js').buildSync();
}
require(built)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
