/**
 * Buffered line output to stdout that honours back-pressure and ends quietly
 * when the reader goes away (`sgwatch replay ... | head`).
 */
import type { Writable } from 'node:stream';

/**
 * Characters that can reorder or hide what a terminal shows (C1 controls,
 * bidi marks, embeddings, overrides and isolates, line/paragraph
 * separators). In JSON they can only sit inside strings, where `\uXXXX` is
 * the same value to any JSON reader, so escaping them changes no data and
 * makes a record's text unable to disguise the line it is printed on.
 */
const TERMINAL_UNSAFE = /[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
export const escapeJsonForTerminal = (json: string): string =>
  json.replace(TERMINAL_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export class LineWriter {
  private buf: string[] = [];
  private size = 0;
  closed = false;

  /** `json`: lines are JSON; characters unsafe on a terminal are written as \u escapes (escapeJsonForTerminal). */
  constructor(
    private readonly out: Writable,
    private readonly opts: { json?: boolean; highWater?: number } = {},
  ) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }

  async line(text: string): Promise<void> {
    if (this.closed) return;
    this.buf.push(text);
    this.size += text.length + 1;
    if (this.size >= (this.opts.highWater ?? 64 * 1024)) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.buf.length || this.closed) return;
    const joined = this.buf.join('\n') + '\n';
    const chunk = this.opts.json ? escapeJsonForTerminal(joined) : joined;
    this.buf = [];
    this.size = 0;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.out.off('drain', done);
          this.out.off('close', done);
          resolve();
        };
        this.out.once('drain', done);
        this.out.once('close', done);
      });
    }
  }
}
