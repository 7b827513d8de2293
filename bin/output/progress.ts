/**
 * A progress bar on stderr for long replays on a terminal: files done out of
 * files found, with the record count and rate. Silent when stderr is not a
 * TTY, under CI, or with --no-progress.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';

export function countInputFiles(paths: string[]): number {
  let n = 0;
  const visit = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      n++;
      return;
    }
    if (!st.isDirectory()) {
      n++;
      return;
    }
    for (const e of fs.readdirSync(p)) if (!e.startsWith('.')) visit(path.join(p, e));
  };
  for (const p of paths) if (p === '-') n++; else visit(p);
  return n;
}

export class Progress {
  private bar?: SingleBar;
  private files = 0;
  private lastFile = '';
  private records = 0;
  private readonly started = Date.now();
  private lastUpdate = 0;

  constructor(enabled: boolean, private readonly totalFiles: number) {
    if (!enabled) return;
    this.bar = new SingleBar({
      stream: process.stderr,
      format: 'replay [{bar}] {value}/{total} files | {records} records | {rate} records/s',
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    });
  }

  /** Called per result with its `path#index` source. */
  tick(source: string): void {
    if (!this.bar) return;
    this.records++;
    const file = source.slice(0, source.lastIndexOf('#'));
    if (file !== this.lastFile) {
      if (this.lastFile) this.files++;
      this.lastFile = file;
    }
    const now = Date.now();
    if (now - this.lastUpdate < 100) return;
    this.lastUpdate = now;
    // Only long runs get a bar: start it after the first second.
    if (now - this.started < 1000) return;
    const rate = Math.round(this.records / ((now - this.started) / 1000));
    if (!this.bar.isActive) this.bar.start(this.totalFiles, this.files, { records: this.records, rate });
    this.bar.update(this.files, { records: this.records, rate });
  }

  stop(): void {
    if (this.bar?.isActive) this.bar.stop();
  }
}
