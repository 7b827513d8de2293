/**
 * A progress bar on stderr for long replays on a terminal: files done out of
 * files found, records, records/s, findings so far, and an ETA when the total
 * is known (local files; an s3:// listing is not counted ahead). Silent when
 * stderr is not a TTY, under CI, or with --no-progress; shown only once a
 * run has lasted a second.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { walkReads } from '../../lib/cloudtrail/read';
import { isS3Url, type TimeWindow } from '../../lib/s3/trail-keys';

/** The files a replay will read, counted as the folder walk picks them; 0 when unknown (an s3:// input). */
export function countInputFiles(paths: string[], window?: TimeWindow): number {
  if (paths.some(isS3Url)) return 0;
  let n = 0;
  const visit = (p: string, named: boolean) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      n++;
      return;
    }
    if (!st.isDirectory()) {
      if (named || walkReads(p, window)) n++;
      return;
    }
    for (const e of fs.readdirSync(p)) if (!e.startsWith('.')) visit(path.join(p, e), false);
  };
  for (const p of paths) if (p === '-') n++; else visit(p, true);
  return n;
}

export class Progress {
  private bar?: SingleBar;
  private files = 0;
  private lastFile = '';
  private records = 0;
  private findings = 0;
  private readonly started = Date.now();
  private lastUpdate = 0;

  constructor(enabled: boolean, private readonly totalFiles: number) {
    if (!enabled) return;
    this.bar = new SingleBar({
      stream: process.stderr,
      format:
        totalFiles > 0
          ? 'replay [{bar}] {value}/{total} files | {records} records | {rate} records/s | {findings} findings | ETA {eta_formatted}'
          : 'replay {value} files | {records} records | {rate} records/s | {findings} findings',
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
      etaBuffer: 50,
    });
  }

  /** Called per result with its `path#index` source and whether it had findings. */
  tick(source: string, hasFindings = false): void {
    if (!this.bar) return;
    this.records++;
    if (hasFindings) this.findings++;
    const file = source.slice(0, source.lastIndexOf('#'));
    if (file !== this.lastFile) {
      if (this.lastFile) this.files++;
      this.lastFile = file;
    }
    const now = Date.now();
    if (now - this.lastUpdate < 100) return;
    this.lastUpdate = now;
    if (now - this.started < 1000) return;
    const payload = { records: this.records, rate: Math.round(this.records / ((now - this.started) / 1000)), findings: this.findings };
    if (!this.bar.isActive) this.bar.start(this.totalFiles || 0, this.files, payload);
    this.bar.update(this.files, payload);
  }

  stop(): void {
    if (this.bar?.isActive) this.bar.stop();
  }
}
