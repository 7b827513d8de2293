// Bundles the CLI once before the tests that spawn it, so they run today's code.
export default function setup(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../scripts/build-cli.js').buildSync();
}
