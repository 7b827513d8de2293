/**
 * The read-ahead thread (read-ahead.ts): prepares the next input file
 * (prepare-file.ts: read, gunzip, find the records) while the main thread
 * judges the current one. The file's bytes are transferred, not copied.
 * Bundled as dist/read-worker.js beside the CLI (scripts/build-cli.js).
 */
import { parentPort } from 'node:worker_threads';
import { prepareFile } from './prepare-file';

export interface ReadRequest {
  id: number;
  file: string;
  cap: number;
  wholeFileBytes: number;
}

const port = parentPort;
if (port) {
  port.on('message', (m: ReadRequest) => {
    const p = prepareFile(m.file, m.cap, m.wholeFileBytes);
    if (p.kind !== 'whole') {
      port.postMessage({ id: m.id, prepared: p });
      return;
    }
    // Small buffers are slices of Node's shared pool (other buffers' memory): those are copied, the rest moved.
    const own = p.plain.buffer.byteLength > Buffer.poolSize ? p.plain : Buffer.from(p.plain);
    port.postMessage({ id: m.id, prepared: { ...p, plain: own } }, [own.buffer as ArrayBuffer]);
  });
}
