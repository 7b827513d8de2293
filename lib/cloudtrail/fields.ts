/**
 * Small, allocation-light readers for CloudTrail fields. CloudTrail (and the
 * pipelines that forward it) render the same value in several ways: lists
 * as `{items: [...]}`, `{}`, a bare array or Wazuh's collapsed `{items: {...}}`;
 * numbers as strings; booleans as `"true"`/`"True"`. These helpers accept every
 * rendering and throw a `ShapeError` (caught by `normalise`) for garbage.
 */

/** A structure in the record is not what CloudTrail writes; the message says where and what. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a value is, for an error message: `null`, `a list`, `an object`, `a string`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A metadata field as text: a non-empty string, or a number as text; otherwise undefined (never throws). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** A short, safe rendering of a bad value for an error message. */
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const NO_ITEMS: readonly unknown[] = Object.freeze([]);

/**
 * The entries of a CloudTrail list: `{items: [...]}`, `{items: {...}}` (one entry,
 * collapsed by Wazuh), `{item: [...]}` (XML-derived), `{}`, a bare array, or absent.
 */
export function listItems(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null || value === '') return NO_ITEMS;
  if (Array.isArray(value)) return value;
  if (isObj(value)) {
    const inner = value.items !== undefined ? value.items : value.item;
    if (inner === undefined || inner === null) return NO_ITEMS;
    if (Array.isArray(inner)) return inner;
    if (isObj(inner)) return [inner];
    throw new ShapeError(`${path}.items is ${show(inner)}, expected a list`);
  }
  throw new ShapeError(`${path} is ${show(value)}, expected {"items": [...]}`);
}

/** An optional string field; numbers are accepted and turned into text. */
export function optString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new ShapeError(`${path} is ${show(value)}, expected text`);
}

/** `true`, `"true"`, `"True"`, `"TRUE"` → true; `false`/`"false"` → false; else undefined. */
export function optBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/** A port (or ICMP type/code): a number or numeric text; absent → null. */
export function optPort(value: unknown, path: string): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < -1 || n > 65535) {
    throw new ShapeError(`${path} is ${show(value)}, expected a port number`);
  }
  return n;
}

/**
 * A field that some pipelines lower-case (Panther: `principalid`, `sessioncontext`).
 * Tries the CloudTrail spelling first, then the lower-cased one.
 */
export function field(obj: Obj, key: string): unknown {
  const exact = obj[key];
  return exact !== undefined ? exact : obj[key.toLowerCase()];
}

/** Like `field` but also tries PascalCase ↔ camelCase (ModifySecurityGroupRules is XML-derived PascalCase). */
export function anyCase(obj: Obj, pascal: string): unknown {
  const exact = obj[pascal];
  if (exact !== undefined) return exact;
  const camel = pascal[0].toLowerCase() + pascal.slice(1);
  const c = obj[camel];
  return c !== undefined ? c : obj[pascal.toLowerCase()];
}

/** One entry or a list of entries (XML-derived requests: one `SecurityGroupRule`/`AddEntry` is an object, several a list; some renderings wrap them in {items}/{item}). */
export function asList(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (isObj(value)) {
    // Some renderings wrap lists in {items: [...]} / {item: [...]}.
    const inner = value.items ?? value.item;
    if (Array.isArray(inner)) return inner;
    if (isObj(inner)) return [inner];
    return [value];
  }
  throw new ShapeError(`${path} is ${show(value)}, expected an object or a list`);
}
