/**
 * The Slack notifier of the Lambda: the webhook URL is read from an SSM
 * SecureString (by its parameter NAME; WithDecryption), only when a first
 * alert needs it, and cached for the container's life (refreshed every 15
 * minutes so a rotated webhook is picked up). The URL is never logged, never
 * in the environment, never in a stored step detail. If SSM fails, the Slack
 * step fails (recorded, retried), the other steps still run.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createSlackNotifier } from '../lib/alerts/slack';
import type { Alert, Notifier } from '../lib/pipeline/ports';

export const WEBHOOK_CACHE_MS = 15 * 60_000;

const defaultMake = (webhookUrl: string): Notifier => createSlackNotifier({ webhookUrl });

export function createSsmSlackNotifier(opts: {
  /** Default: a client made on the first alert that needs the webhook. */
  ssm?: SSMClient;
  parameterName: string;
  now?: () => number;
  /** For tests: how a notifier is made from the URL. */
  make?: (webhookUrl: string) => Notifier;
}): Notifier {
  const now = opts.now ?? Date.now;
  let cached: { notifier: Notifier; at: number } | undefined;

  async function notifier(): Promise<Notifier> {
    if (cached && now() - cached.at < WEBHOOK_CACHE_MS) return cached.notifier;
    let value: string | undefined;
    try {
      opts.ssm ??= new SSMClient({});
      const out = await opts.ssm.send(new GetParameterCommand({ Name: opts.parameterName, WithDecryption: true }));
      value = out.Parameter?.Value?.trim();
    } catch (err) {
      const name = (err as { name?: string }).name ?? 'Error';
      throw new Error(`cannot read the Slack webhook from SSM parameter ${opts.parameterName}: ${name}`);
    }
    if (!value) throw new Error(`SSM parameter ${opts.parameterName} is empty; it must hold the Slack webhook URL`);
    const make = opts.make ?? defaultMake;
    let made: Notifier;
    try {
      made = make(value);
    } catch {
      // Never echo the value: it is (or is close to) a secret.
      throw new Error(`SSM parameter ${opts.parameterName} does not hold a valid Slack webhook URL`);
    }
    cached = { notifier: made, at: now() };
    return made;
  }

  return {
    name: 'slack',
    async send(alert: Alert) {
      await (await notifier()).send(alert);
    },
  };
}
