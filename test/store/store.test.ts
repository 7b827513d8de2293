/**
 * The same contract, run against the DynamoDB store on a real dynalite
 * server (127.0.0.1, real conditional writes and GSI queries) and against
 * the in-memory store and the LevelDB embedded store: all must behave identically.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedStore, type EmbeddedStore } from '../../lib/store/embedded';
import { createDynamoStore } from '../../lib/store/dynamodb';
import { createMemoryStore } from '../../lib/store/memory';
import { openLevelStore, StoreInUseError, type LevelStore } from '../../lib/store/level';
import type { ChangeStore } from '../../lib/pipeline/ports';
import { compliant, recordOf, violation } from '../pipeline/builders';

let embedded: EmbeddedStore;
let level: LevelStore;
let levelDir: string;
beforeAll(async () => {
  embedded = await startEmbeddedStore({ inMemory: true, tableName: 'store-test' });
  levelDir = mkdtempSync(join(tmpdir(), 'sgwatch-level-'));
  // A small flush interval, so that the contract is tested both across buffered and flushed writes.
  level = await openLevelStore({ path: join(levelDir, 'store'), flushEvery: 3 });
});
afterAll(async () => {
  await embedded?.close();
  await level?.close();
  if (levelDir) rmSync(levelDir, { recursive: true, force: true });
});

const kinds: [string, () => ChangeStore][] = [
  ['dynalite', () => embedded.store],
  ['memory', () => createMemoryStore()],
  ['level', () => level],
];

describe.each(kinds)('%s store', (kind, make) => {
  // Distinct ids per store kind so that the shared dynalite table starts clean for each describe.
  const id = (s: string) => `${kind}-${s}`;
  const group = (s: string) => `sg-${kind}-${s}`;

  it('putIfAbsent writes once, the second put returns the stored record unchanged', async () => {
    const store = make();
    const first = recordOf(violation({ eventId: id('dup') }));
    const a = await store.putIfAbsent(first);
    expect(a.created).toBe(true);
    await store.updateStep(id('dup'), 'notifySns', { state: 'done', at: '2024-05-01T10:00:06Z', attempts: 1 });
    const second = { ...recordOf(violation({ eventId: id('dup') })), storedAt: '2099-01-01T00:00:00Z' };
    const b = await store.putIfAbsent(second);
    expect(b.created).toBe(false);
    expect(b.record.storedAt).toBe(first.storedAt);
    expect(b.record.steps.notifySns?.state).toBe('done');
    expect(b.record.result.change?.rules[0].description).toBe('<!channel> ssh');
    expect(await store.get(id('missing'))).toBeUndefined();
  });

  it('keeps the newest delivery canary per (account, region), whatever order they arrive in', async () => {
    const store = make();
    const acct = kind === 'dynalite' ? '999900000001' : '111122223333';
    const beat = (region: string, at: string, n: string) => ({ account: acct, region, at, eventId: id(`canary-${n}`) });
    await store.putCanary!(beat('eu-west-1', '2026-12-07T10:00:00Z', '1'));
    await store.putCanary!(beat('eu-west-1', '2026-12-07T11:00:00Z', '2'));
    await store.putCanary!(beat('eu-west-1', '2026-12-07T09:00:00Z', '3')); // late delivery of an older one
    await store.putCanary!(beat('us-east-1', '2026-12-07T08:00:00Z', '4'));
    const mine = (await store.canaries!()).filter((b) => b.account === acct);
    expect(mine).toEqual([beat('eu-west-1', '2026-12-07T11:00:00Z', '2'), beat('us-east-1', '2026-12-07T08:00:00Z', '4')]);
  });

  it('history of a group is newest first, honours since and limit, and excludes other groups', async () => {
    const store = make();
    const times = ['2024-05-01T10:00:00Z', '2024-05-03T10:00:00Z', '2024-05-02T10:00:00Z'];
    for (const [i, t] of times.entries()) {
      await store.putIfAbsent(recordOf(compliant({ eventId: id(`h${i}`), eventTime: t, groupId: group('hist') })));
    }
    await store.putIfAbsent(recordOf(compliant({ eventId: id('other'), groupId: group('other') })));
    const all = await store.history(group('hist'));
    expect(all.map((r) => r.eventId)).toEqual([id('h1'), id('h2'), id('h0')]);
    expect((await store.history(group('hist'), { limit: 2 })).map((r) => r.eventId)).toEqual([id('h1'), id('h2')]);
    expect((await store.history(group('hist'), { since: '2024-05-02T00:00:00Z' })).map((r) => r.eventId)).toEqual([id('h1'), id('h2')]);
    expect(all.every((r) => !('gpk' in r) && !('pk' in r))).toBe(true);
  });

  it('a set-groups change appears in the history of every group of the new set, with its live step status', async () => {
    const store = make();
    const setGroups = compliant({
      eventId: id('set'),
      eventName: 'ModifyNetworkInterfaceAttribute',
      kind: 'set-groups',
      groupId: null,
      groupIds: [group('a'), group('b')],
      resourceId: 'eni-1',
      rules: [],
    });
    await store.putIfAbsent(recordOf(setGroups));
    await store.putIfAbsent(recordOf(setGroups)); // idempotent pointers
    await store.updateStep(id('set'), 'notifySlack', { state: 'skipped', detail: 'compliant' });
    for (const g of [group('a'), group('b')]) {
      const h = await store.history(g);
      expect(h.map((r) => r.eventId)).toEqual([id('set')]);
      expect(h[0].steps.notifySlack?.state).toBe('skipped');
      expect(h[0].result.change?.groupIds).toEqual([group('a'), group('b')]);
    }
  });

  it('findings across groups by minimum severity and since, newest first, compliant records excluded', async () => {
    const store = make();
    const rows: [string, string, 'critical' | 'high' | 'medium' | 'info'][] = [
      ['f1', '2024-03-30T00:00:00Z', 'critical'],
      ['f2', '2024-04-02T00:00:00Z', 'medium'],
      ['f3', '2024-04-03T00:00:00Z', 'high'],
      ['f4', '2024-04-04T00:00:00Z', 'info'],
    ];
    for (const [e, t, s] of rows) {
      await store.putIfAbsent(recordOf(violation({ eventId: id(e), eventTime: t, groupId: group(e) }, { severity: s })));
    }
    await store.putIfAbsent(recordOf(compliant({ eventId: id('fc'), eventTime: '2024-04-05T00:00:00Z' })));
    const mine = (rs: { eventId: string }[]) => rs.map((r) => r.eventId).filter((e) => e.startsWith(`${kind}-f`));
    expect(mine(await store.findings({ since: '2024-03-01T00:00:00Z' }))).toEqual([id('f4'), id('f3'), id('f2'), id('f1')]);
    expect(mine(await store.findings({ minSeverity: 'high', since: '2024-03-01T00:00:00Z' }))).toEqual([id('f3'), id('f1')]);
    expect(mine(await store.findings({ minSeverity: 'medium', since: '2024-04-01T00:00:00Z' }))).toEqual([id('f3'), id('f2')]);
    expect(mine(await store.findings({ minSeverity: 'critical', since: '2024-03-01T00:00:00Z' }))).toEqual([id('f1')]);
  });

  it('updateStep sets one step with its remediation and links and leaves the others', async () => {
    const store = make();
    await store.putIfAbsent(recordOf(violation({ eventId: id('steps') })));
    await store.updateStep(id('steps'), 'notifySns', { state: 'done', attempts: 1 });
    await store.updateStep(
      id('steps'),
      'remediate',
      { state: 'done', attempts: 1 },
      { remediation: { mode: 'enforce', status: 'revoked', ruleIds: ['sgr-0aaa'], permissionsRevoked: 0 } },
    );
    await store.addLinks!(id('steps'), { remediatedBy: id('rv') });
    await store.updateStep(id('steps'), 'notifySlack', { state: 'failed', detail: 'HTTP 500', attempts: 1 });
    const r = (await store.get(id('steps')))!;
    expect(r.steps).toEqual({
      notifySns: { state: 'done', attempts: 1 },
      remediate: { state: 'done', attempts: 1 },
      notifySlack: { state: 'failed', detail: 'HTTP 500', attempts: 1 },
    });
    expect(r.remediation?.status).toBe('revoked');
    expect(r.links).toEqual({ remediatedBy: id('rv') });
    await expect(store.updateStep(id('nope'), 'notifySns', { state: 'done' })).rejects.toThrow(/no stored record/);
  });

  it('claimStep is a compare-and-set: only one of two concurrent claims wins', async () => {
    const store = make();
    await store.putIfAbsent(recordOf(violation({ eventId: id('claim') })));
    const next = { state: 'pending' as const, attempts: 1, leaseUntil: '2024-05-01T10:01:00Z' };
    const results = await Promise.all([store.claimStep!(id('claim'), 'notifySlack', undefined, next), store.claimStep!(id('claim'), 'notifySlack', undefined, next)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.updateStep(id('claim'), 'notifySlack', { state: 'failed', attempts: 1 });
    expect(await store.claimStep!(id('claim'), 'notifySlack', { state: 'pending', attempts: 1 }, { state: 'pending', attempts: 2 })).toBe(false);
    expect(await store.claimStep!(id('claim'), 'notifySlack', { state: 'failed', attempts: 1 }, { state: 'pending', attempts: 2 })).toBe(true);
    expect((await store.get(id('claim')))!.steps.notifySlack).toEqual({ state: 'pending', attempts: 2 });
  });
});

describe('DynamoDB store writes', () => {
  /** A store on the shared dynalite table whose client counts the commands it sends, by name. */
  function countingStore() {
    const client = new DynamoDBClient({ endpoint: embedded.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const sent: string[] = [];
    client.middlewareStack.add((next, context) => async (args) => (sent.push(String(context.commandName)), next(args)), { step: 'initialize' });
    return { store: createDynamoStore({ tableName: 'store-test', client }), sent, client };
  }
  const setGroups = (eventId: string) =>
    recordOf(
      violation(
        { eventId, eventName: 'ModifyInstanceAttribute', kind: 'set-groups', groupId: null, groupIds: ['sg-writes-a', 'sg-writes-b'], resourceId: 'i-1', rules: [] },
        { revoke: [] },
      ),
    );

  it('a redelivered set-groups record costs one conditional put and one read: no pointer or bucket is written again', async () => {
    const { store, sent, client } = countingStore();
    expect((await store.putIfAbsent(setGroups('writes-dup'))).created).toBe(true);
    // The record, its two pointers, and its findings bucket (first time in this process).
    expect(sent.filter((c) => c === 'PutItemCommand')).toHaveLength(4);
    sent.length = 0;
    const again = await store.putIfAbsent(setGroups('writes-dup'));
    expect(again.created).toBe(false);
    expect(again.record.result.change?.groupIds).toEqual(['sg-writes-a', 'sg-writes-b']);
    expect(sent).toEqual(['PutItemCommand', 'QueryCommand']);
    client.destroy();
  });

  it('a pointer lost to a crash after the record was written is restored by the redelivery', async () => {
    const { store, sent, client } = countingStore();
    await store.putIfAbsent(setGroups('writes-heal'));
    const doc = DynamoDBDocumentClient.from(client);
    await doc.send(new DeleteCommand({ TableName: 'store-test', Key: { pk: 'EV#writes-heal', sk: 'SG#sg-writes-b' } }));
    expect((await store.history('sg-writes-b')).map((r) => r.eventId)).not.toContain('writes-heal');
    sent.length = 0;
    expect((await store.putIfAbsent(setGroups('writes-heal'))).created).toBe(false);
    expect(sent.filter((c) => c === 'PutItemCommand')).toHaveLength(2); // the conditional put, and the one missing pointer
    expect((await store.history('sg-writes-b')).map((r) => r.eventId)).toContain('writes-heal');
    expect((await store.history('sg-writes-a')).map((r) => r.eventId)).toContain('writes-heal');
    client.destroy();
  });
});

describe('embedded store on disk', () => {
  it('keeps records across restarts under <dir>/.sgwatch/dynamodb', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgwatch-embedded-'));
    try {
      const first = await startEmbeddedStore({ dir });
      expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.path).toBe(join(dir, '.sgwatch', 'dynamodb'));
      await first.store.putIfAbsent(recordOf(violation({ eventId: 'persist-1' })));
      await first.close();
      const second = await startEmbeddedStore({ dir });
      try {
        expect((await second.store.get('persist-1'))?.result.verdict.severity).toBe('critical');
        expect((await second.store.putIfAbsent(recordOf(violation({ eventId: 'persist-1' })))).created).toBe(false);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('LevelDB embedded store on disk', () => {
  const withDir = async (fn: (dir: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'sgwatch-level-disk-'));
    try {
      await fn(join(dir, 'store'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('keeps records, steps and both indexes across a close and a reopen', () =>
    withDir(async (path) => {
      const first = await openLevelStore({ path, flushEvery: 1000 });
      await first.putIfAbsent(recordOf(violation({ eventId: 'lv-1', groupId: 'sg-lv' })));
      await first.updateStep('lv-1', 'notifySlack', { state: 'done', attempts: 1 });
      await first.close();
      const second = await openLevelStore({ path });
      try {
        expect((await second.get('lv-1'))?.steps.notifySlack?.state).toBe('done');
        expect((await second.putIfAbsent(recordOf(violation({ eventId: 'lv-1', groupId: 'sg-lv' })))).created).toBe(false);
        expect((await second.history('sg-lv')).map((r) => r.eventId)).toEqual(['lv-1']);
        expect((await second.findings()).map((r) => r.eventId)).toEqual(['lv-1']);
      } finally {
        await second.close();
      }
    }));

  it('fresh or reopened, buffered, in flight or on disk: every record put twice is found the second time, and none is lost', () =>
    withDir(async (path) => {
      // flushEvery 4: records sit in the buffer, in the batch written behind the run, and on disk.
      const fresh = await openLevelStore({ path, flushEvery: 4 });
      const ids = Array.from({ length: 50 }, (_, i) => `lv-many-${i}`);
      for (const id of ids) expect((await fresh.putIfAbsent(recordOf(violation({ eventId: id, groupId: 'sg-many' })))).created).toBe(true);
      for (const id of ids) expect((await fresh.putIfAbsent(recordOf(violation({ eventId: id, groupId: 'sg-many' })))).created).toBe(false);
      await fresh.updateStep('lv-many-7', 'notifySlack', { state: 'done', attempts: 1 });
      expect((await fresh.get('lv-many-7'))?.steps.notifySlack?.state).toBe('done');
      expect(await fresh.get('lv-many-none')).toBeUndefined();
      expect((await fresh.history('sg-many', { limit: 100 })).length).toBe(50);
      await fresh.close();
      const reopened = await openLevelStore({ path, flushEvery: 4 });
      try {
        for (const id of ids) expect((await reopened.putIfAbsent(recordOf(violation({ eventId: id, groupId: 'sg-many' })))).created).toBe(false);
        expect((await reopened.get('lv-many-7'))?.steps.notifySlack?.state).toBe('done');
        expect((await reopened.putIfAbsent(recordOf(violation({ eventId: 'lv-many-new', groupId: 'sg-many' })))).created).toBe(true);
      } finally {
        await reopened.close();
      }
    }));

  it('a second process on the same folder is refused with StoreInUseError, the first keeps working', () =>
    withDir(async (path) => {
      const first = await openLevelStore({ path });
      try {
        const err = await openLevelStore({ path }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(StoreInUseError);
        expect(String((err as Error).message)).toMatch(/in use by another sgwatch process/);
        expect((await first.putIfAbsent(recordOf(violation({ eventId: 'lv-lock' })))).created).toBe(true);
      } finally {
        await first.close();
      }
    }));

  it('a claim is on disk before claimStep returns, even with nothing else flushed', () =>
    withDir(async (path) => {
      const store = await openLevelStore({ path, flushEvery: 1_000_000 });
      await store.putIfAbsent(recordOf(violation({ eventId: 'lv-claim' })));
      expect(await store.claimStep('lv-claim', 'notifySlack', undefined, { state: 'pending', attempts: 1 })).toBe(true);
      // Read the files as a killed process would leave them, while the store is still open (closing
      // would flush): a copy of the folder opened by a raw LevelDB reader, not the store's buffer.
      const copy = `${path}-as-killed`;
      cpSync(path, copy, { recursive: true });
      const { ClassicLevel } = await import('classic-level');
      const raw = new ClassicLevel<string, string>(copy, { valueEncoding: 'utf8' });
      try {
        const stored = JSON.parse((await raw.get('r\x00lv-claim'))!);
        expect(stored.steps.notifySlack).toEqual({ state: 'pending', attempts: 1 });
      } finally {
        await raw.close();
        await store.close();
      }
    }));

  it('claims left by a stopped process: an alert becomes unknown (never re-sent), a revoke failed (retried); finished steps are untouched', () =>
    withDir(async (path) => {
      const store = await openLevelStore({ path, flushEvery: 1_000_000 });
      await store.putIfAbsent(recordOf(violation({ eventId: 'lv-a' })));
      await store.putIfAbsent(recordOf(violation({ eventId: 'lv-b' })));
      await store.claimStep('lv-a', 'notifySlack', undefined, { state: 'pending', attempts: 1, leaseUntil: '2999-01-01T00:00:00.000Z' });
      await store.claimStep('lv-a', 'remediate', undefined, { state: 'pending', attempts: 1 });
      await store.claimStep('lv-b', 'notifySlack', undefined, { state: 'pending', attempts: 1 });
      await store.updateStep('lv-b', 'notifySlack', { state: 'done', attempts: 1 });
      // The folder as a process killed now leaves it (closing would flush).
      const copy = `${path}-as-killed`;
      cpSync(path, copy, { recursive: true });
      await store.close();
      const reopened = await openLevelStore({ path: copy });
      try {
        expect([...reopened.recovered].sort((x, y) => x.step.localeCompare(y.step))).toEqual([
          { eventId: 'lv-a', step: 'notifySlack', state: 'unknown' },
          { eventId: 'lv-a', step: 'remediate', state: 'failed' },
        ]);
        const a = await reopened.get('lv-a');
        expect(a?.steps.notifySlack).toMatchObject({ state: 'unknown', attempts: 1 });
        expect(a?.steps.notifySlack?.leaseUntil).toBeUndefined();
        expect(a?.steps.remediate).toMatchObject({ state: 'failed', attempts: 1 });
        expect((await reopened.get('lv-b'))?.steps.notifySlack).toEqual({ state: 'done', attempts: 1 });
      } finally {
        await reopened.close();
      }
      // Resolved once: a second open finds nothing left to recover.
      const again = await openLevelStore({ path: copy });
      expect(again.recovered).toEqual([]);
      await again.close();
    }));

  it('refuses a folder written by another format', () =>
    withDir(async (path) => {
      const { ClassicLevel } = await import('classic-level');
      const raw = new ClassicLevel<string, string>(path, { valueEncoding: 'utf8' });
      await raw.put('m\x00format', 'sgwatch-store 99');
      await raw.close();
      await expect(openLevelStore({ path })).rejects.toThrow(/format "sgwatch-store 99"/);
    }));
});

describe('copying an old dynalite folder into the LevelDB store', () => {
  it('copies every record with its steps once; a second run copies nothing; the old folder stays', async () => {
    const { importDynaliteStore } = await import('../../lib/store/import-dynalite');
    const dir = mkdtempSync(join(tmpdir(), 'sgwatch-import-'));
    try {
      const old = await startEmbeddedStore({ dir });
      await old.store.putIfAbsent(recordOf(violation({ eventId: 'old-1', groupId: 'sg-old' })));
      await old.store.updateStep('old-1', 'notifySlack', { state: 'done', attempts: 1 });
      await old.store.putIfAbsent(recordOf(compliant({ eventId: 'old-2', groupId: 'sg-old' })));
      await old.close();

      const store = await openLevelStore({ path: join(dir, '.sgwatch', 'store') });
      try {
        expect(await importDynaliteStore(dir, store)).toBe(2);
        expect((await store.get('old-1'))?.steps.notifySlack).toEqual({ state: 'done', attempts: 1 });
        expect((await store.history('sg-old')).map((r) => r.eventId).sort()).toEqual(['old-1', 'old-2']);
        expect((await store.findings()).map((r) => r.eventId)).toEqual(['old-1']);
        // A re-run of the same log finds the copied record: no second record, no second alert.
        expect((await store.putIfAbsent(recordOf(violation({ eventId: 'old-1', groupId: 'sg-old' })))).created).toBe(false);
        expect(await importDynaliteStore(dir, store)).toBe(0);
      } finally {
        await store.close();
      }
      expect(existsSync(join(dir, '.sgwatch', 'dynamodb'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
