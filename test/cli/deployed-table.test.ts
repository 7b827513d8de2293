/**
 * `sgwatch history|findings --table T --region R [--profile P]` reads the
 * deployed history table with the caller's credentials (issue 9, AWS options).
 * A real DynamoDB API (dynalite on 127.0.0.1) stands in for the regional
 * endpoint through AWS_ENDPOINT_URL_DYNAMODB, as the SDK honours it; the
 * region given is the one the client signs for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStore, type EmbeddedStore } from '../../lib/store/embedded';
import { recordOf, violation } from '../pipeline/builders';
import { jsonLines, runCli } from './run-cli';

let embedded: EmbeddedStore;
const TABLE = 'sgwatch-prod-ChangesTable-1A2B3C';

beforeAll(async () => {
  embedded = await startEmbeddedStore({ inMemory: true, tableName: TABLE });
  await embedded.store.putIfAbsent(recordOf(violation()));
});
afterAll(async () => embedded?.close());

const env = () => ({ AWS_ENDPOINT_URL_DYNAMODB: embedded.endpoint, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_MAX_ATTEMPTS: '1' });

describe('the deployed history table', () => {
  it('findings --table T --region R reads it, and never creates .sgwatch/', async () => {
    const { mkdtempSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const cwd = mkdtempSync(join(tmpdir(), 'sgwatch-deployed-'));
    const run = await runCli(['findings', '--table', TABLE, '--region', 'eu-west-1', '--since', '2000-01-01', '--format', 'json'], { env: env(), cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [line] = jsonLines(run.stdout) as Array<Record<string, unknown>>;
    expect(line).toMatchObject({ outcome: 'violation' });
    expect(existsSync(join(cwd, '.sgwatch'))).toBe(false);
  });

  it('--region without --table says which name to give', async () => {
    const run = await runCli(['findings', '--region', 'eu-west-1'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give --table with its name (the stack output ChangesTableName');
  });

  it('a table that does not exist is an error about the table, exit 3, not a crash', async () => {
    const run = await runCli(['history', 'sg-0123456789abcdef0', '--table', 'no-such-table', '--region', 'eu-west-1'], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^sgwatch: cannot read table no-such-table in eu-west-1: .*ResourceNotFound/m);
  });
});
