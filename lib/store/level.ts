/**
 * The embedded store for the laptop: a ChangeStore written directly on
 * LevelDB (classic-level, which loads a prebuilt binary: no install script),
 * persistent under `<dir>/.sgwatch/store`. The same contract as the DynamoDB
 * store (test/store/store.test.ts runs both), at a fraction of the cost: no
 * HTTP, no request signing, no marshalling, and the writes of consecutive
 * records go to disk together in one atomic batch.
 *
 * Keys (utf8; `\x00` separates parts and sorts before any printable byte):
 *   r\x00<eventId>                     → the record, JSON
 *   g\x00<groupId>\x00<eventTime#id>   → eventId   (history of a group)
 *   f\x00<severity>\x00<eventTime#id>  → eventId   (findings by severity)
 *   p\x00<eventId>\x00<step>          → ''        (a step claimed and not yet finished)
 *   a\x00<account>\x00<region>         → the last audit snapshot, JSON (lib/audit/report.ts)
 *   c\x00<account>\x00<region>         → the newest delivery canary, JSON (lib/org/canary.ts)
 * The index keys are written in the same batch as the record and never change
 * (a record's groups and verdict are fixed when it is stored).
 *
 * Guarantees (lib/store/README.md, "embedded store"):
 * - one process holds the folder: LevelDB's lock refuses a second one, which
 *   says the store is in use; nothing is ever written by two processes;
 * - within the process, operations run one at a time, in call order, so
 *   putIfAbsent and claimStep are exact compare-and-sets;
 * - writes are buffered and flushed as one atomic batch every `flushEvery`
 *   records (written behind the run, one batch at a time, in order; what is
 *   in flight stays readable), and always before a claim returns: a step is on disk as
 *   `pending` before its side effect (Slack, SNS, a revoke) is performed, and
 *   its outcome is on disk before the next record is judged. A process killed
 *   mid-run loses only buffered records that had no side effect; the re-run
 *   judges and stores them again, once.
 * - a step still claimed when the store is opened was being performed by a
 *   process that is gone (the lock rules out a live one). Its claim is not
 *   left to expire: an alert step becomes `unknown` (it may have been posted:
 *   never re-sent, at-most-once, like a post that timed out), a remediation
 *   step becomes `failed` (a revoke is safe to retry: one that was done comes
 *   back already gone). `recovered` lists them for the caller to report.
 */
import { ClassicLevel } from 'classic-level';
import type { AuditSnapshot, AuditStore } from '../audit/report';
import type { ChangeStore, FindingsQuery, HistoryQuery, HistoryRecord, StepName, StepStatus } from '../pipeline/ports';
import { SeenFilter } from './seen-filter';
import { byPair, newerBeat, type CanaryBeat, type CanaryStore } from '../org/canary';
import { claimMatches, findingsSeverityOf, groupsOf, historySk, newestFirst, severitiesAtOrAbove, snapshot } from './keys';

const SEP = '\x00';
const recordKey = (eventId: string): string => `r${SEP}${eventId}`;
const groupPrefix = (groupId: string): string => `g${SEP}${groupId}${SEP}`;
const findingsPrefix = (severity: string): string => `f${SEP}${severity}${SEP}`;
/** The first key after every key starting with `prefix`. */
const prefixEnd = (prefix: string): string => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
const claimKey = (eventId: string, step: string): string => `p${SEP}${eventId}${SEP}${step}`;
const CLAIMS = `p${SEP}`;
/** The last audit snapshot of an (account, region): one value, rewritten by each audit. */
const auditKey = (account: string, region: string): string => `a${SEP}${account}${SEP}${region}`;
/** The newest delivery canary of an (account, region) (lib/org/canary.ts). */
const canaryKey = (account: string, region: string): string => `c${SEP}${account}${SEP}${region}`;
const CANARIES = `c${SEP}`;
const FORMAT_KEY = `m${SEP}format`;
const FORMAT = 'sgwatch-store 1';

export interface LevelStoreOptions {
  /** The folder holding the LevelDB files (created if missing). */
  path: string;
  /** Records buffered before a flush (default 512). */
  flushEvery?: number;
  defaultLimit?: number;
}

export interface LevelStore extends ChangeStore {
  latestAudit: AuditStore['latestAudit'];
  putAudit: AuditStore['putAudit'];
  putCanary: CanaryStore['putCanary'];
  canaries: CanaryStore['canaries'];
  readonly path: string;
  /** Writes what is buffered. */
  flush(): Promise<void>;
  /** A note about the store itself (e.g. that an import was done), kept beside the records. */
  getMeta(name: string): Promise<string | undefined>;
  setMeta(name: string, value: string): Promise<void>;
  close(): Promise<void>;
  /** Steps a stopped process had claimed and not finished, resolved when the store was opened. */
  readonly recovered: ReadonlyArray<{ eventId: string; step: StepName; state: 'unknown' | 'failed' }>;
}

/** What a claim left by a stopped process becomes (see the header). */
function recoveredStatus(step: StepName, prev: StepStatus, at: string): StepStatus {
  const detail = 'sgwatch stopped (killed or crashed) while performing this step';
  if (step === 'remediate') return { ...prev, state: 'failed', at, detail: `${detail}; retried on the next run (a revoke already done comes back already gone)`, leaseUntil: undefined };
  return { ...prev, state: 'unknown', at, detail: `${detail}: it may or may not have gone out; not re-sent (at-most-once), check the channel`, leaseUntil: undefined };
}

/** LevelDB refused the folder because another process holds it. */
export class StoreInUseError extends Error {
  constructor(readonly path: string) {
    super(`the store at ${path} is in use by another sgwatch process (one replay at a time per folder: wait for it, or use --state-dir for another folder)`);
    this.name = 'StoreInUseError';
  }
}

/** classic-level reports a held lock (by this or another process) as LEVEL_DATABASE_NOT_OPEN caused by LEVEL_LOCKED. */
function isLocked(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === 'LEVEL_LOCKED' || e?.cause?.code === 'LEVEL_LOCKED';
}

export async function openLevelStore(options: LevelStoreOptions): Promise<LevelStore> {
  const flushEvery = options.flushEvery ?? 512;
  const defaultLimit = options.defaultLimit ?? 100;
  const db = new ClassicLevel<string, string>(options.path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open();
  } catch (err) {
    if (isLocked(err)) throw new StoreInUseError(options.path);
    throw err;
  }
  const format = db.getSync(FORMAT_KEY);
  if (format !== undefined && format !== FORMAT) {
    await db.close();
    throw new Error(`the store at ${options.path} has format ${JSON.stringify(format)}, this sgwatch reads ${JSON.stringify(FORMAT)}`);
  }

  /** Writes not yet on disk, by key, in the order they were made (Map keeps insertion order). */
  let pending = new Map<string, string | null>();
  let bufferedRecords = 0;
  if (format === undefined) pending.set(FORMAT_KEY, FORMAT);

  /**
   * The batch being written behind the run (at most one): its writes stay
   * readable until LevelDB has them. A flush every `flushEvery` records starts
   * it and goes on judging; a durable flush (before a claim returns, a query,
   * close) waits for it. A failed batch fails every later operation.
   */
  let inFlight: { writes: Map<string, string | null>; done: Promise<void> } | undefined;
  let writeError: Error | undefined;

  function read(key: string): string | undefined {
    if (pending.has(key)) return pending.get(key) ?? undefined;
    if (inFlight?.writes.has(key)) return inFlight.writes.get(key) ?? undefined;
    return db.getSync(key);
  }
  // A store opened with no records knows which records it has written since (lib/store/seen-filter.ts):
  // a record it certainly never wrote is absent without a read.
  const written = format === undefined ? new SeenFilter() : undefined;
  function readRecord(eventId: string): HistoryRecord | undefined {
    if (written && !written.mayHave(eventId)) return undefined;
    const raw = read(recordKey(eventId));
    return raw === undefined ? undefined : (JSON.parse(raw) as HistoryRecord);
  }
  function mustRead(eventId: string, what: string): HistoryRecord {
    const r = readRecord(eventId);
    if (!r) throw new Error(`cannot ${what}: no stored record ${eventId} in ${options.path}`);
    return r;
  }
  function writeRecord(record: HistoryRecord): void {
    written?.add(record.eventId);
    pending.set(recordKey(record.eventId), JSON.stringify(record));
  }
  /** Waits for the batch in flight; throws if a batch failed. */
  async function settle(): Promise<void> {
    if (inFlight) await inFlight.done;
    if (writeError) throw new Error(`the store at ${options.path} failed to write: ${writeError.message}`);
  }
  /** Moves the buffered writes into one atomic batch, written behind; resolves when it is on disk. */
  function startBatch(): Promise<void> {
    const writes = pending;
    pending = new Map();
    bufferedRecords = 0;
    const ops = [...writes].map(([key, value]) => (value === null ? { type: 'del' as const, key } : { type: 'put' as const, key, value }));
    const entry = { writes, done: Promise.resolve() };
    entry.done = db.batch(ops).then(
      () => {
        if (inFlight === entry) inFlight = undefined;
      },
      (err: unknown) => {
        writeError = err instanceof Error ? err : new Error(String(err));
      },
    );
    inFlight = entry;
    return entry.done;
  }
  /** Everything written so far is on disk when this resolves. */
  async function flush(): Promise<void> {
    await settle();
    if (pending.size === 0) return;
    await startBatch();
    await settle();
  }
  /** Every `flushEvery` records: the buffer starts for disk (behind the run), after the previous batch is there. */
  async function maybeFlush(): Promise<void> {
    if (++bufferedRecords < flushEvery) return;
    await settle();
    void startBatch();
  }

  /** One operation at a time, in call order: each compare-and-set sees the previous one's write. */
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  function serial<T>(op: () => T | Promise<T>): Promise<T> {
    const run = tail.then(() => {
      if (closed) throw new Error(`the store at ${options.path} is closed`);
      return op();
    });
    tail = run.catch(() => undefined);
    return run;
  }

  async function eventIdsUnder(prefix: string, query: HistoryQuery, limit: number): Promise<string[]> {
    await flush();
    const range = query.since ? { gte: prefix + query.since } : { gt: prefix };
    return db.values({ ...range, lt: prefixEnd(prefix), reverse: true, limit }).all();
  }
  function recordsOf(ids: string[]): HistoryRecord[] {
    return ids.map((id) => readRecord(id)).filter((r): r is HistoryRecord => r !== undefined);
  }

  // Claims left by a process that stopped mid-step (see the header).
  const recovered: Array<{ eventId: string; step: StepName; state: 'unknown' | 'failed' }> = [];
  for (const key of await db.keys({ gt: CLAIMS, lt: prefixEnd(CLAIMS) }).all()) {
    const [, eventId, step] = key.split(SEP) as [string, string, StepName];
    pending.set(key, null);
    const r = readRecord(eventId);
    const prev = r?.steps[step];
    if (!r || prev?.state !== 'pending') continue;
    r.steps[step] = recoveredStatus(step, prev, new Date().toISOString());
    writeRecord(r);
    recovered.push({ eventId, step, state: r.steps[step]!.state as 'unknown' | 'failed' });
  }
  await flush();

  const store: LevelStore = {
    path: options.path,
    recovered,

    putIfAbsent: (record) =>
      serial(async () => {
        const existing = readRecord(record.eventId);
        if (existing) return { created: false, record: existing };
        // One serialisation per record: the text is what is written (and what every later read parses).
        // The caller gets its own record back with its own steps map, not a parse of the text: the store
        // never reads that object again, so what the caller does with it cannot change what is stored.
        const text = JSON.stringify({ ...record, steps: record.steps ?? {} });
        const stored: HistoryRecord = { ...record, steps: { ...(record.steps ?? {}) } };
        written?.add(stored.eventId);
        pending.set(recordKey(stored.eventId), text);
        const sk = historySk(stored);
        for (const groupId of groupsOf(stored)) pending.set(groupPrefix(groupId) + sk, stored.eventId);
        const severity = findingsSeverityOf(stored);
        if (severity) pending.set(findingsPrefix(severity) + sk, stored.eventId);
        await maybeFlush();
        return { created: true, record: stored };
      }),

    get: (eventId) => serial(() => readRecord(eventId)),

    updateStep: (eventId, step, status, extra) =>
      serial(async () => {
        const r = mustRead(eventId, `update step ${step}`);
        const wasClaimed = r.steps[step]?.state === 'pending';
        r.steps[step] = snapshot(status);
        if (status.state !== 'pending') pending.set(claimKey(eventId, step), null);
        if (extra?.remediation) r.remediation = snapshot(extra.remediation);
        if (extra?.links) r.links = { ...(r.links ?? {}), ...snapshot(extra.links) };
        writeRecord(r);
        // The outcome of a performed side effect goes to disk now: a crash after it must not leave the claim pending.
        if (wasClaimed) await flush();
      }),

    claimStep: (eventId: string, step: StepName, expected: StepStatus | undefined, next: StepStatus) =>
      serial(async () => {
        const r = mustRead(eventId, `claim step ${step}`);
        if (!claimMatches(r.steps[step], expected)) return false;
        r.steps[step] = snapshot(next);
        writeRecord(r);
        if (next.state === 'pending') pending.set(claimKey(eventId, step), '');
        // On disk before the side effect is performed.
        await flush();
        return true;
      }),

    addLinks: (eventId, links) =>
      serial(async () => {
        const r = mustRead(eventId, 'link');
        r.links = { ...(r.links ?? {}), ...snapshot(links) };
        writeRecord(r);
      }),

    history: (groupId, query = {}) =>
      serial(async () => recordsOf(await eventIdsUnder(groupPrefix(groupId), query, query.limit ?? defaultLimit))),

    findings: (query: FindingsQuery = {}) =>
      serial(async () => {
        const limit = query.limit ?? defaultLimit;
        // Newest `limit` of each severity, merged newest first: the newest `limit` overall are among them.
        const ids: string[] = [];
        for (const severity of severitiesAtOrAbove(query.minSeverity)) ids.push(...(await eventIdsUnder(findingsPrefix(severity), query, limit)));
        return newestFirst(recordsOf(ids), historySk).slice(0, limit);
      }),

    flush: () => serial(flush),

    getMeta: (name) => serial(() => read(`m${SEP}${name}`)),

    latestAudit: (scope) =>
      serial(() => {
        const raw = read(auditKey(scope.account, scope.region));
        return raw === undefined ? undefined : (JSON.parse(raw) as AuditSnapshot);
      }),

    // Through the write buffer like every other key, flushed at once: an audit is kept when it returns.
    putCanary: (beat) =>
      serial(async () => {
        const key = canaryKey(beat.account, beat.region);
        const raw = read(key);
        const kept = newerBeat(raw === undefined ? undefined : (JSON.parse(raw) as CanaryBeat), beat);
        if (kept === beat) pending.set(key, JSON.stringify(beat));
        await maybeFlush();
      }),

    canaries: () =>
      serial(async () => {
        await flush();
        const values = await db.values({ gt: CANARIES, lt: prefixEnd(CANARIES) }).all();
        return values.map((v) => JSON.parse(v) as CanaryBeat).sort(byPair);
      }),

    putAudit: (s) =>
      serial(async () => {
        pending.set(auditKey(s.account, s.region), JSON.stringify(s));
        await flush();
      }),

    setMeta: (name, value) =>
      serial(() => {
        pending.set(`m${SEP}${name}`, value);
      }),

    close: () =>
      serial(async () => {
        await flush();
        closed = true;
        await db.close();
      }),
  };
  return store;
}
