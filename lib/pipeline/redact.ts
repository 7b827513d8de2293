/** Keeps secrets out of logs and stored step details (a webhook URL in an HTTP client's error message, say). */
const SECRET_URLS = /https:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>]*/gi;
const CREDENTIAL_PARAMS = /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|token|sig|signature)=)[^&\s"']+/gi;

export function redact(text: string): string {
  return text.replace(SECRET_URLS, 'https://hooks.slack.com/[redacted]').replace(CREDENTIAL_PARAMS, '$1[redacted]');
}
