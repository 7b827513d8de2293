// Text assets bundled by esbuild (loader '.yml': 'text') and by the vitest plugin.
declare module '*.yml' {
  const text: string;
  export default text;
}
