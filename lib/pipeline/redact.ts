/** Keeps secrets out of logs and stored step details (a webhook URL in an HTTP client's error message, say). */
const SECRET_URLS = /https:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>]*/gi;
const CREDENTIAL_PARAMS = /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|token|sig|signature)=)[^&\s"']+/gi;

export function redact(text: string): string {
  return text.replace(SECRET_URLS, 'https://hooks.slack.com/[redacted]').replace(CREDENTIAL_PARAMS, '$1[redacted]');
}

export function errorText(err: unknown, max = 500): string {
  const e = err as { name?: string; message?: string; code?: string } | null;
  const base = e && typeof e === 'object' ? [e.name && e.name !== 'Error' ? e.name : undefined, e.message].filter(Boolean).join(': ') : String(err);
  const text = redact(base || String(err));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
