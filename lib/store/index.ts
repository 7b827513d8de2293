export { createDynamoStore, type DynamoStoreOptions } from './dynamodb';
export { createMemoryStore } from './memory';
export { startEmbeddedStore, type EmbeddedStore, type EmbeddedStoreOptions } from './embedded';
export { ensureTable, TABLE_DEFINITION, DEFAULT_LOCAL_TABLE, GROUP_INDEX, FINDINGS_INDEX, TTL_ATTRIBUTE } from './table';
