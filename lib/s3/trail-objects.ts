/**
 * The S3 adapter of `sgwatch replay s3://...`: lists a trail's objects in key
 * order and downloads a bounded number of them at a time, handing them on in
 * key order. It never throws for one object: a key that cannot be
 * downloaded, or a prefix that cannot be listed, is one error item naming it.
 *
 * With a time window it lists only what the window needs: it descends the
 * folders (`AWSLogs/`, `o-xxxx/`, accounts, `CloudTrail/`, regions) with a
 * delimiter and lists one `YYYY/MM/DD/` folder per day, so a week of a
 * year-long trail lists and reads only that week.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { awsErrorCode } from '../context/ec2-clients';
import { errorMessage } from '../errors/error-text';
import type { RemoteInput } from '../cloudtrail/read';
import { aboveRegion, dayPrefixes, isTrailFolder, isTrailLogKey, keyInWindow, parseS3Url, REGION_PREFIX, type S3Location, type TimeWindow } from './trail-keys';


export interface TrailReadOptions {
  window?: TimeWindow;
  /** Objects downloaded at once (default 8). */
  concurrency?: number;
  /** An object larger than this (as stored) is not downloaded: one error item. */
  maxObjectBytes?: number;
}

export interface S3ClientOptions {
  region?: string;
  profile?: string;
  /** An S3-compatible endpoint (MinIO, LocalStack, a test server): path-style addressing. */
  endpoint?: string;
}

/**
 * An S3 client with the caller's credentials, as the aws CLI finds them
 * (`--profile`, AWS_PROFILE, the shared config). A bucket in another region
 * than the configured one is followed (S3's redirect), and with no region
 * configured anywhere us-east-1 is asked first, as the aws CLI does.
 */
export async function s3Client(opts: S3ClientOptions = {}): Promise<S3Client> {
  const base = {
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
    followRegionRedirects: true,
    maxAttempts: 5,
  };
  if (opts.region) return new S3Client({ ...base, region: opts.region });
  const client = new S3Client(base);
  try {
    await client.config.region();
    return client;
  } catch {
    client.destroy();
    return new S3Client({ ...base, region: 'us-east-1' });
  }
}

const reason = (err: unknown): string => {
  const code = awsErrorCode(err);
  const message = errorMessage(err);
  return code && code !== 'Error' && !message.startsWith(code) ? `${code}: ${message}` : message;
};

/** One listing call's pages: keys and (with a delimiter) sub-folders. */
async function* pages(client: S3Client, bucket: string, prefix: string, delimiter?: string) {
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }));
    yield { keys: (page.Contents ?? []).map((o) => o.Key ?? '').filter(Boolean), folders: (page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter(Boolean) };
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

async function* allKeys(client: S3Client, bucket: string, prefix: string): AsyncGenerator<string> {
  for await (const page of pages(client, bucket, prefix)) yield* page.keys;
}

/** Keys under the location that may hold records in the window, in key order. */
export async function* trailKeys(client: S3Client, loc: S3Location, window: TimeWindow = {}): AsyncGenerator<string> {
  const keep = (key: string) => isTrailLogKey(key) && keyInWindow(key, window);
  if (!window.since && !window.until) {
    for await (const key of allKeys(client, loc.bucket, loc.prefix)) if (keep(key)) yield key;
    return;
  }
  yield* descend(client, loc.bucket, loc.prefix, window, keep, 0);
}

async function* descend(client: S3Client, bucket: string, prefix: string, w: TimeWindow, keep: (k: string) => boolean, depth: number): AsyncGenerator<string> {
  if (REGION_PREFIX.test(prefix)) {
    const days = dayPrefixes(prefix, w);
    for (const day of days ?? [prefix]) for await (const key of allKeys(client, bucket, day)) if (keep(key)) yield key;
    return;
  }
  // A prefix inside a region folder (a month, a day, part of a name), or too deep to be a trail: list it whole.
  if (!aboveRegion(prefix) || depth > 8 || (prefix !== '' && !prefix.endsWith('/'))) {
    for await (const key of allKeys(client, bucket, prefix)) if (keep(key)) yield key;
    return;
  }
  // Keys and folders of one level come back merged in key order within a page; keep that order.
  for await (const page of pages(client, bucket, prefix, '/')) {
    const entries = [...page.keys.map((k) => ({ k, folder: false })), ...page.folders.map((k) => ({ k, folder: true }))].sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    for (const e of entries) {
      if (!e.folder) {
        if (keep(e.k)) yield e.k;
      } else if (isTrailFolder(e.k)) {
        yield* descend(client, bucket, e.k, w, keep, depth + 1);
      }
    }
  }
}

async function download(client: S3Client, bucket: string, key: string, maxBytes: number | undefined): Promise<Buffer> {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (maxBytes !== undefined && r.ContentLength !== undefined && r.ContentLength > maxBytes) {
    (r.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new Error(`the object is ${r.ContentLength} bytes, more than the cap on one input (--max-input-mib raises it)`);
  }
  if (!r.Body) return Buffer.alloc(0);
  return Buffer.from(await r.Body.transformToByteArray());
}

/**
 * The objects of `s3://bucket/prefix` in key order, at most `concurrency`
 * downloads in flight. A listing failure ends the listing with one error item
 * (the objects listed before it are still given); a download failure is one
 * error item for that key.
 */
export async function* trailObjects(client: S3Client, url: string, opts: TrailReadOptions = {}): AsyncGenerator<RemoteInput> {
  let loc: S3Location;
  try {
    loc = parseS3Url(url);
  } catch (err) {
    yield { name: url, error: errorMessage(err) };
    return;
  }
  const name = (key: string) => `s3://${loc.bucket}/${key}`;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const keys = trailKeys(client, loc, opts.window);
  const queue: Array<Promise<RemoteInput>> = [];
  let listing = true;
  let listError: RemoteInput | undefined;
  const fill = async () => {
    while (listing && queue.length < concurrency) {
      let next: IteratorResult<string>;
      try {
        next = await keys.next();
      } catch (err) {
        listing = false;
        listError = { name: name(loc.prefix), error: `cannot list: ${reason(err)}` };
        return;
      }
      if (next.done) {
        listing = false;
        return;
      }
      const key = next.value;
      const p = download(client, loc.bucket, key, opts.maxObjectBytes).then(
        (bytes): RemoteInput => ({ name: name(key), bytes }),
        (err): RemoteInput => ({ name: name(key), error: `cannot download: ${reason(err)}` }),
      );
      queue.push(p);
    }
  };
  try {
    await fill();
    while (queue.length) {
      const item = await queue.shift()!;
      await fill();
      yield item;
    }
    if (listError) yield listError;
  } finally {
    // Stopped early (Ctrl-C): let in-flight downloads settle unobserved.
    for (const p of queue) p.catch(() => undefined);
    await keys.return(undefined);
  }
}
