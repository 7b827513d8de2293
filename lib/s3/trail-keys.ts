/**
 * CloudTrail's S3 layout, as pure functions: what an `s3://` argument names,
 * which date an object key is for, and which day prefixes a time window needs.
 *
 * Keys look like
 *   [prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<id>.json.gz
 * and, for an organisation trail,
 *   [prefix/]AWSLogs/o-xxxx/<account>/CloudTrail/<region>/YYYY/MM/DD/...
 * Digest and Insights files (`CloudTrail-Digest/`, `CloudTrail-Insight/`) are
 * not management events and are never read.
 */

export interface S3Location {
  bucket: string;
  /** The key prefix, '' for the whole bucket. */
  prefix: string;
}

/** A time window, ISO strings or undefined for open. */
export interface TimeWindow {
  since?: string;
  until?: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/prefix` → its parts; throws a message naming what is wrong. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(url);
  if (!m) throw new Error(`${url}: not an s3:// URL`);
  const bucket = m[1];
  if (!BUCKET.test(bucket)) throw new Error(`${url}: "${bucket}" is not an S3 bucket name`);
  return { bucket, prefix: m[2] ?? '' };
}

export const isS3Url = (path: string): boolean => path.startsWith('s3://');

/** File names sgwatch reads from a folder or a bucket: *.json, *.jsonl, *.ndjson, *.log and *.gz. */
export const INPUT_FILE = /\.(json|jsonl|ndjson|log|gz)$/i;

/** Digest and Insights files and folders: not management events. */
const NOT_MANAGEMENT_EVENTS = /(?:^|\/)CloudTrail-(?:Digest|Insight)\//;

/** Keys that hold management events: a log file by name, not under CloudTrail-Digest/ or CloudTrail-Insight/. */
export function isTrailLogKey(key: string): boolean {
  return INPUT_FILE.test(key) && !NOT_MANAGEMENT_EVENTS.test(key);
}

/** Folders (prefixes ending in `/`) a listing descends into: not digest or insight folders. */
export const isTrailFolder = (prefix: string): boolean => !NOT_MANAGEMENT_EVENTS.test(prefix);

/**
 * When a file was delivered, by its key: the time in a CloudTrail file name
 * (`_20261103T1205Z_`), or, from its `YYYY/MM/DD/` folder, that whole day;
 * ms, or undefined for a key with neither.
 */
export function keySpan(key: string): { from: number; to: number } | undefined {
  const stamp = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(key);
  if (stamp) {
    const t = Date.UTC(+stamp[1], +stamp[2] - 1, +stamp[3], +stamp[4], +stamp[5]);
    return { from: t, to: t };
  }
  const day = /\/CloudTrail\/[a-z0-9-]+\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key);
  if (!day) return undefined;
  const t = Date.UTC(+day[1], +day[2] - 1, +day[3]);
  return { from: t, to: t + DAY };
}

/**
 * How late CloudTrail may deliver a record after its eventTime. AWS states
 * "within an average of about 5 minutes"; a day of margin keeps late
 * deliveries (service backlogs, an object written just after midnight) in.
 * Records are then kept or dropped by their own eventTime, exactly.
 */
export const DELIVERY_MARGIN_MS = DAY;

/**
 * Whether an object may hold records inside the window, by the time in its
 * key. A file is delivered after its records happened, so it is skipped when
 * it was delivered before `since`, or more than DELIVERY_MARGIN_MS after
 * `until`. Keys without a date are always read.
 */
export function keyInWindow(key: string, w: TimeWindow): boolean {
  const span = keySpan(key);
  if (!span) return true;
  if (w.since && span.to < Date.parse(w.since)) return false;
  if (w.until && span.from > Date.parse(w.until) + DELIVERY_MARGIN_MS) return false;
  return true;
}

/** A prefix that ends at a trail's region folder: `.../CloudTrail/us-east-1/`. */
export const REGION_PREFIX = /(?:^|\/)CloudTrail\/[a-z0-9-]+\/$/;

/**
 * The `YYYY/MM/DD/` day folders under a region prefix that a window needs,
 * in key order. Without `since` there is no lower bound to list from, so the
 * caller lists the region folder whole (undefined).
 */
export function dayPrefixes(regionPrefix: string, w: TimeWindow, now = Date.now()): string[] | undefined {
  if (!w.since) return undefined;
  const from = Date.parse(w.since);
  const to = (w.until ? Date.parse(w.until) : now) + DELIVERY_MARGIN_MS;
  const out: string[] = [];
  for (let d = Math.floor(from / DAY) * DAY; d <= to; d += DAY) {
    const x = new Date(d);
    out.push(`${regionPrefix}${x.getUTCFullYear()}/${String(x.getUTCMonth() + 1).padStart(2, '0')}/${String(x.getUTCDate()).padStart(2, '0')}/`);
    if (out.length > 3700) break; // ten years of days; a window is never wider
  }
  return out;
}

/** Whether descending from `prefix` can still reach a region folder (so it is worth listing by folder). */
export function aboveRegion(prefix: string): boolean {
  return !/(?:^|\/)CloudTrail\/[a-z0-9-]+\//.test(prefix) && isTrailFolder(prefix);
}
