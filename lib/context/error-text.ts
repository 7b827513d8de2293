/**
 * One line of text for a failed look-up, for the notes the context steps
 * hand to `onNote`: the AWS error code (when there is one) and the message,
 * whitespace folded and cut at 300 characters.
 */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { Code?: string; code?: string }).Code ?? (error as { code?: string }).code ?? error.name;
    const message = error.message.replace(/\s+/g, ' ').trim().slice(0, 300);
    return code && code !== 'Error' && !message.startsWith(code) ? `${code}: ${message}` : message || code;
  }
  return String(error);
}
