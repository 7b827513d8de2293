#!/usr/bin/env node
'use strict';
// The `sgwatch` command. The TypeScript CLI is bundled to dist/cli.js at
// install time (npm's `prepare`); if that was skipped, bundle it now.
// The AWS SDK warns on every run under Node.js 20 that future releases will
// need 22; sgwatch pins its SDK version, so the warning is only noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
