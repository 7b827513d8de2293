export * from './cidr';
export * from './intervals';
export * from './ports';
export * from './protocol';
export * from './source';
export { NON_PUBLIC_V4, NON_PUBLIC_V6, EMBEDDED_V4_PREFIXES } from './special';
