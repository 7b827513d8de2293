'use strict';
// Preloaded into the CLI under test (NODE_OPTIONS=--require): reports its peak RSS at exit.
process.on('exit', () => {
  const file = process.env.SGWATCH_BENCH_RSS_FILE;
  if (file) require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS / 1024));
});
