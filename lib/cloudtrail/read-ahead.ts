/**
 * Reads the next input file on another thread while this one judges the
 * current file: on a long replay, reading, gunzipping and finding the records
 * of a file (prepare-file.ts) is a sixth to a third of the work, and a laptop
 * has a second core. At most one file is read ahead, so memory holds two
 * files' bytes at most.
 *
 * The thread is the bundled dist/read-worker.js; where it is not there (the
 * TypeScript sources, under the tests) or it fails, files are prepared
 * in-process, with the same results: nothing but speed depends on it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { prepareFile, type PreparedFile } from './prepare-file';
import type { ReadRequest } from './read-worker';

export interface ReadAheadOptions {
  cap: number;
  wholeFileBytes: number;
  /** The worker script (default: read-worker.js beside this bundle); `false`: none, read in-process. */
  workerFile?: string | false;
}

/** The worker script beside the bundle this code is in (dist/), if there is one. */
function defaultWorkerFile(): string | undefined {
  const file = join(__dirname, 'read-worker.js');
  return existsSync(file) ? file : undefined;
}

export class ReadAhead {
  private worker: Worker | undefined;
  private broken = false;
  private lastId = 0;
  private readonly waiting = new Map<number, { file: string; resolve: (p: PreparedFile) => void }>();
  private readonly ahead = new Map<string, Promise<PreparedFile>>();
  private readonly workerFile: string | undefined;

  constructor(private readonly opts: ReadAheadOptions) {
    this.workerFile = opts.workerFile === false ? undefined : (opts.workerFile ?? defaultWorkerFile());
  }

  /** Starts preparing `file` on the read-ahead thread (nothing without one). */
  request(file: string): void {
    if (this.ahead.has(file)) return;
    const worker = this.thread();
    if (!worker) return;
    const id = ++this.lastId;
    this.ahead.set(file, new Promise<PreparedFile>((resolve) => this.waiting.set(id, { file, resolve })));
    worker.postMessage({ id, file, cap: this.opts.cap, wholeFileBytes: this.opts.wholeFileBytes } satisfies ReadRequest);
  }

  /** `file` prepared: the one read ahead, or prepared now, in-process. */
  take(file: string): Promise<PreparedFile> | PreparedFile {
    const ahead = this.ahead.get(file);
    if (ahead) {
      this.ahead.delete(file);
      return ahead;
    }
    return this.here(file);
  }

  /** Stops the thread (at the end of a read, or when it is abandoned); files read ahead and not taken are dropped. */
  close(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.broken = true;
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      w.resolve({ kind: 'error', message: 'the read was stopped' });
    }
    this.ahead.clear();
    void worker?.terminate();
  }

  private here(file: string): PreparedFile {
    return prepareFile(file, this.opts.cap, this.opts.wholeFileBytes);
  }

  /** The thread failed: what was asked of it is prepared here instead. */
  private settleHere(): void {
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      w.resolve(this.here(w.file));
    }
  }

  private thread(): Worker | undefined {
    if (this.worker || this.broken || !this.workerFile) return this.worker;
    try {
      const worker = new Worker(this.workerFile);
      worker.unref();
      worker.on('message', (m: { id: number; prepared: PreparedFile }) => {
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        const p = m.prepared;
        // A transferred Buffer arrives as a plain Uint8Array: the same memory, as a Buffer again.
        w.resolve(p.kind === 'whole' ? { ...p, plain: Buffer.from(p.plain.buffer, p.plain.byteOffset, p.plain.length) } : p);
      });
      const fail = () => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.broken = true;
        this.settleHere();
      };
      worker.on('error', fail);
      worker.on('exit', fail);
      this.worker = worker;
    } catch {
      this.broken = true;
    }
    return this.worker;
  }
}
