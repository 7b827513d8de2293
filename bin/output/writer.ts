/**
 * Buffered line output to stdout that honours back-pressure and ends quietly
 * when the reader goes away (`sgwatch replay ... | head`).
 */
import type { Writable } from 'node:stream';

export class LineWriter {
  private buf: string[] = [];
  private size = 0;
  closed = false;

  constructor(private readonly out: Writable, private readonly highWater = 64 * 1024) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }

  async line(text: string): Promise<void> {
    if (this.closed) return;
    this.buf.push(text);
    this.size += text.length + 1;
    if (this.size >= this.highWater) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.buf.length || this.closed) return;
    const chunk = this.buf.join('\n') + '\n';
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
