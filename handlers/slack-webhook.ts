/**
 * The Slack notifier of the Lambda: the webhook URL is read from an SSM
 * SecureString (by its parameter NAME; WithDecryption) through Powertools
 * Parameters, only when a first alert needs it, and cached by it for 15
 * minutes (so a rotated webhook is picked up). The URL is never logged, never
 * in the environment, never in a stored step detail. If SSM fails, the Slack
 * step fails (recorded, retried), the other steps still run.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { createSlackNotifier } from '../lib/alerts/slack';
import { errorCode } from '../lib/errors/error-text';
import type { Alert, Notifier } from '../lib/pipeline/ports';

/** How long a read webhook URL is kept before SSM is asked again. */
const WEBHOOK_MAX_AGE_S = 15 * 60;

const defaultMake = (webhookUrl: string): Notifier => createSlackNotifier({ webhookUrl });

export function createSsmSlackNotifier(opts: {
  /** Default: a client made on the first alert that needs the webhook. */
  ssm?: SSMClient;
  parameterName: string;
  /** For tests: how a notifier is made from the URL. */
  make?: (webhookUrl: string) => Notifier;
}): Notifier {
  let provider: SSMProvider | undefined;
  // One notifier per URL value: a new one only when SSM returns another URL.
  let made: { url: string; notifier: Notifier } | undefined;

  async function notifier(): Promise<Notifier> {
    let value: string | undefined;
    try {
      provider ??= new SSMProvider({ awsSdkV3Client: opts.ssm ?? new SSMClient({}) });
      value = (await provider.get(opts.parameterName, { decrypt: true, maxAge: WEBHOOK_MAX_AGE_S }))?.trim();
    } catch (err) {
      // Powertools wraps the SDK's error (GetParameterError, cause: the SDK error); name the SDK's code.
      const cause = (err as { cause?: unknown }).cause ?? err;
      throw new Error(`cannot read the Slack webhook from SSM parameter ${opts.parameterName}: ${errorCode(cause) || 'Error'}`);
    }
    if (!value) throw new Error(`SSM parameter ${opts.parameterName} is empty; it must hold the Slack webhook URL`);
    if (made?.url === value) return made.notifier;
    const make = opts.make ?? defaultMake;
    try {
      made = { url: value, notifier: make(value) };
    } catch {
      // Never echo the value: it is (or is close to) a secret.
      throw new Error(`SSM parameter ${opts.parameterName} does not hold a valid Slack webhook URL`);
    }
    return made.notifier;
  }

  return {
    name: 'slack',
    async send(alert: Alert) {
      await (await notifier()).send(alert);
    },
  };
}
