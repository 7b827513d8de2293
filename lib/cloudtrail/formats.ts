/**
 * What a parsed JSON value holds, decided by content (never by file name):
 * - a bare CloudTrail record;
 * - an EventBridge event whose detail is a CloudTrail record (yielded whole:
 *   `normalise` unwraps it and uses its account/region to fill gaps);
 * - a CloudTrail log file `{"Records": [...]}`;
 * - an SNS notification `{"Records": [{"Sns": {"Message": "<JSON>"}}]}`
 *   (e.g. EventBridge → SNS → Lambda), each Message parsed and expanded;
 * - `aws cloudtrail lookup-events` output `{"Events": [{"CloudTrailEvent": "<JSON>"}]}`;
 * - sgwatch's dead-letter queue, as `aws sqs receive-message` prints it
 *   `{"Messages": [{"Body": "<JSON>"}]}`, each Body being an EventBridge event
 *   (failed delivery) or a Lambda on-failure record
 *   `{"requestContext": {...}, "requestPayload": <the event>}` (failed
 *   handler) — so a DLQ can be replayed as it is;
 * - a JSON list of any of these.
 */
import { isObj, typeName, type Obj } from './fields';
import { describeJsonError } from './json-error';

export type Expanded = { record: unknown } | { error: string };

const NOT_A_KNOWN_SHAPE =
  'JSON object is neither a CloudTrail record, an EventBridge event, a CloudTrail log file ({"Records": [...]}) nor lookup-events output ({"Events": [...]})';

const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** Keys only CloudTrail records carry; one is enough to call an object a record (normalise judges the rest). */
function looksLikeRecord(obj: Obj): boolean {
  return (
    obj.eventName !== undefined ||
    obj.eventSource !== undefined ||
    obj.eventVersion !== undefined ||
    obj.eventID !== undefined ||
    obj.userIdentity !== undefined ||
    obj.requestParameters !== undefined
  );
}

function prefix(where: string, message: string): string {
  return where === '' ? message : `${where}: ${message}`;
}

/**
 * Every record in a parsed value, in order. `where` locates the value for
 * error messages (`line 3`, `[2]`; empty for a whole file).
 */
export function* expand(value: unknown, where: string, depth = 0): Generator<Expanded> {
  if (Array.isArray(value)) {
    if (depth > 0) {
      yield { error: prefix(where, 'a list inside a list is not a CloudTrail shape') };
      return;
    }
    for (let i = 0; i < value.length; i++) yield* expand(value[i], where === '' ? `[${i}]` : `${where}[${i}]`, depth + 1);
    return;
  }
  if (!isObj(value)) {
    yield { error: prefix(where, `JSON is ${typeName(value)}, expected an object or a list of objects`) };
    return;
  }
  const obj = value;
  const dot = where === '' ? '' : `${where}.`;

  if (obj['detail-type'] !== undefined || (obj.detail !== undefined && obj.source !== undefined && obj.account !== undefined)) {
    const detailType = obj['detail-type'];
    const detail = obj.detail;
    if (!isObj(detail)) {
      yield { error: prefix(where, `EventBridge event's detail is ${typeName(detail)}, expected a CloudTrail record`) };
    } else if (
      detailType === CLOUDTRAIL_DETAIL_TYPE ||
      (typeof detailType === 'string' && detailType.endsWith('via CloudTrail')) ||
      looksLikeRecord(detail)
    ) {
      // Also accepts envelopes whose detail-type was redacted but whose detail is a CloudTrail record.
      yield { record: obj };
    } else {
      yield {
        error: prefix(
          where,
          `EventBridge event of detail-type ${JSON.stringify(detailType)} does not carry a CloudTrail record (expected "${CLOUDTRAIL_DETAIL_TYPE}")`,
        ),
      };
    }
    return;
  }

  if (obj.Records !== undefined && !looksLikeRecord(obj)) {
    const records = obj.Records;
    if (!Array.isArray(records)) {
      yield { error: prefix(where, `"Records" is ${typeName(records)}, expected a list of CloudTrail records`) };
      return;
    }
    for (let i = 0; i < records.length; i++) yield* expandRecordsEntry(records[i], dot, i, depth);
    return;
  }

  // A Lambda asynchronous-invocation failure record (on-failure destination): the event is the requestPayload.
  if (isObj(obj.requestContext) && obj.requestPayload !== undefined && !looksLikeRecord(obj)) {
    yield* expand(obj.requestPayload, `${dot}requestPayload`, depth + 1);
    return;
  }

  if (Array.isArray(obj.Messages) && !looksLikeRecord(obj)) {
    const messages = obj.Messages;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      const here = `${dot}Messages[${i}]`;
      const body = isObj(m) ? m.Body : undefined;
      if (typeof body !== 'string') {
        yield { error: `${here}.Body is ${isObj(m) ? typeName(body) : `missing (${here} is ${typeName(m)})`}, expected an SQS message body (a JSON string)` };
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (err) {
        yield { error: `${here}.Body is not JSON: ${describeJsonError(body, err)}` };
        continue;
      }
      yield* expand(parsed, `${here}.Body`, depth + 1);
    }
    return;
  }

  if (obj.Events !== undefined && !looksLikeRecord(obj)) {
    const events = obj.Events;
    if (!Array.isArray(events)) {
      yield { error: prefix(where, `"Events" is ${typeName(events)}, expected lookup-events output (a list)`) };
      return;
    }
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const here = `${dot}Events[${i}]`;
      const text = isObj(e) ? e.CloudTrailEvent : undefined;
      if (typeof text !== 'string') {
        yield { error: `${here}.CloudTrailEvent is ${isObj(e) ? typeName(text) : `missing (${here} is ${typeName(e)})`}, expected the record as a JSON string` };
        continue;
      }
      try {
        const record = JSON.parse(text) as unknown;
        if (isObj(record)) yield { record };
        else yield { error: `${here}.CloudTrailEvent holds ${typeName(record)}, expected a CloudTrail record` };
      } catch (err) {
        yield { error: `${here}.CloudTrailEvent is not JSON: ${describeJsonError(text, err)}` };
      }
    }
    return;
  }

  if (looksLikeRecord(obj)) {
    yield { record: obj };
    return;
  }
  const keys = Object.keys(obj);
  const seen = keys.length === 0 ? 'it is empty' : `keys: ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''}`;
  yield { error: prefix(where, `${NOT_A_KNOWN_SHAPE}; ${seen}`) };
}

/**
 * Entry `i` of a `"Records"` list found at `dot` (`''` for a whole file): a CloudTrail record, or
 * an SNS notification whose Message holds one. Its label (`Records[3]`) is built only for an
 * error or a Message, not for each record. Also used by log-file-records.ts, which parses a log
 * file's records one at a time.
 */
export function* expandRecordsEntry(r: unknown, dot: string, i: number, depth: number): Generator<Expanded> {
  if (isObj(r) && isObj(r.Sns)) {
    const here = `${dot}Records[${i}]`;
    const message = r.Sns.Message;
    if (typeof message !== 'string') {
      yield { error: `${here}.Sns.Message is ${typeName(message)}, expected a JSON string` };
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch (err) {
      yield { error: `${here}.Sns.Message is not JSON: ${describeJsonError(message, err)}` };
      return;
    }
    yield* expand(parsed, `${here}.Sns.Message`, depth + 1);
  } else if (isObj(r)) {
    yield { record: r };
  } else {
    yield { error: `${dot}Records[${i}] is ${typeName(r)}, expected a CloudTrail record` };
  }
}
