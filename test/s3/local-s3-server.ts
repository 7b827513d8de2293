/**
 * A small S3-compatible HTTP server for tests: path-style ListObjectsV2
 * (prefix, delimiter, continuation token, a small page size so that listings
 * span pages) and GetObject, over a real socket. Records every request so a
 * test can assert what was listed and read. Keys in `deny` answer 403
 * AccessDenied; keys in `delayMs` answer late (to prove key order).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalS3 {
  endpoint: string;
  objects: Map<string, Buffer>;
  deny: Set<string>;
  delayMs: Map<string, number>;
  /** `LIST prefix [delimiter]` or `GET key`, in arrival order. */
  requests: string[];
  close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const error = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>r-1</RequestId></Error>`;

export async function startLocalS3(bucket: string, opts: { pageSize?: number } = {}): Promise<LocalS3> {
  const pageSize = opts.pageSize ?? 2;
  const s3: Omit<LocalS3, 'endpoint' | 'close'> = { objects: new Map(), deny: new Set(), delayMs: new Map(), requests: [] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, b, ...rest] = url.pathname.split('/');
    if (decodeURIComponent(b) !== bucket) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end(error('NoSuchBucket', 'The specified bucket does not exist'));
      return;
    }
    const key = rest.map(decodeURIComponent).join('/');
    if (req.method === 'GET' && key === '' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const delimiter = url.searchParams.get('delimiter') ?? '';
      s3.requests.push(`LIST ${prefix}${delimiter ? ` ${delimiter}` : ''}`);
      const entries = new Map<string, 'key' | 'folder'>();
      for (const k of [...s3.objects.keys()].sort()) {
        if (!k.startsWith(prefix)) continue;
        const cut = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
        if (cut >= 0) entries.set(k.slice(0, cut + delimiter.length), 'folder');
        else entries.set(k, 'key');
      }
      const all = [...entries].sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0));
      const start = Number(url.searchParams.get('continuation-token') ?? 0);
      const page = all.slice(start, start + pageSize);
      const truncated = start + pageSize < all.length;
      const body =
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix>` +
        `<KeyCount>${page.length}</KeyCount><MaxKeys>${pageSize}</MaxKeys>${delimiter ? `<Delimiter>${xml(delimiter)}</Delimiter>` : ''}<IsTruncated>${truncated}</IsTruncated>` +
        page
          .map(([k, kind]) =>
            kind === 'folder'
              ? `<CommonPrefixes><Prefix>${xml(k)}</Prefix></CommonPrefixes>`
              : `<Contents><Key>${xml(k)}</Key><LastModified>2026-11-01T00:00:00.000Z</LastModified><ETag>"e"</ETag><Size>${s3.objects.get(k)!.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
          )
          .join('') +
        (truncated ? `<NextContinuationToken>${start + pageSize}</NextContinuationToken>` : '') +
        `</ListBucketResult>`;
      res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
      return;
    }
    if (req.method === 'GET' && key) {
      s3.requests.push(`GET ${key}`);
      const answer = () => {
        if (s3.deny.has(key)) {
          res.writeHead(403, { 'content-type': 'application/xml' }).end(error('AccessDenied', 'Access Denied'));
          return;
        }
        const body = s3.objects.get(key);
        if (!body) {
          res.writeHead(404, { 'content-type': 'application/xml' }).end(error('NoSuchKey', 'The specified key does not exist.'));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      };
      const delay = s3.delayMs.get(key);
      if (delay) setTimeout(answer, delay);
      else answer();
      return;
    }
    res.writeHead(400, { 'content-type': 'application/xml' }).end(error('NotImplemented', `${req.method} ${req.url}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    ...s3,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
