import { defineConfig } from 'vitest/config';

// YAML assets (the default policy) are imported as text, exactly as esbuild's
// `loader: { '.yml': 'text' }` does for the CLI and Lambda bundles.
const yamlAsText = {
  name: 'yaml-as-text',
  transform(code: string, id: string) {
    if (id.endsWith('.yml') || id.endsWith('.yaml')) {
      return { code: `export default ${JSON.stringify(code)};`, map: null };
    }
    return undefined;
  },
};

export default defineConfig({
  plugins: [yamlAsText],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    environment: 'node',
    testTimeout: 20_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      FORCE_COLOR: '0',
    },
  },
});
