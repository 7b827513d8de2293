/**
 * The one place an unknown thrown value becomes text (stored step details,
 * look-up notes, revoke failures, CLI and log messages).
 *
 * - `errorMessage`: the message alone (or `String(value)` for a non-Error),
 *   for callers that add their own prefix.
 * - `errorText`: one line `Code: message` (the AWS error code, Node's errno
 *   code or the error's name; none when it is plain `Error`, unless
 *   `code: 'always'`), whitespace folded, secrets redacted, capped at `max`
 *   characters with `…`. Never a stack, never `[object Object]`.
 */
import { redact } from '../pipeline/redact';

export interface ErrorTextOptions {
  /** Cap for the message part; default 300. */
  max?: number;
  /** `'always'`: say `Error` when there is no code (revoke failures); default: only a real code. */
  code?: 'known' | 'always';
}

/** The AWS error code (`Client.`/`Server.` prefix dropped), else Node's `code`, else the error's name. */
export function errorCode(error: unknown): string {
  const e = (error !== null && typeof error === 'object' ? error : {}) as { Code?: unknown; code?: unknown; name?: unknown };
  const raw = e.Code ?? e.code ?? e.name;
  return typeof raw === 'string' || typeof raw === 'number' ? String(raw).replace(/^(?:Client|Server)\./, '') : '';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return String(error);
}

export function errorText(error: unknown, opts: ErrorTextOptions = {}): string {
  const max = opts.max ?? 300;
  const isObject = error !== null && typeof error === 'object';
  const rawMessage = isObject ? (error as { message?: unknown }).message : error;
  const message = redact(String(rawMessage ?? '').replace(/\s+/g, ' ').trim());
  const short = message.length > max ? `${message.slice(0, max)}…` : message;
  let code = isObject ? errorCode(error) : '';
  if (code === 'Error') code = '';
  if (!code && opts.code === 'always') code = 'Error';
  if (!code) return short || (isObject ? 'Error' : String(error));
  return short && !short.startsWith(code) ? `${code}: ${short}` : short || code;
}
