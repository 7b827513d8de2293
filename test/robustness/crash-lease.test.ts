/**
 * The bound documented in lib/store/README.md ("A crash during a step"): a
 * process killed after sending an alert but before recording it leaves the
 * step `pending` under a 45 s lease. Until the lease ends nothing is sent
 * again; after it, exactly one more copy is sent, and then never again.
 */
import { describe, expect, it } from 'vitest';
import { startEmbeddedStore } from '../../lib/store/embedded';
import { runPipeline, PipelineError, type PipelineDeps } from '../../lib/pipeline/run';
import { RecordingNotifier } from '../pipeline/fakes';
import { SELF_ROLE_ARN, violation } from '../pipeline/builders';

const T0 = Date.parse('2024-05-01T10:00:00Z');

describe('kill -9 during a Slack post', () => {
  it('gives at most one duplicate, and only once the 45 s lease has expired', async () => {
    const embedded = await startEmbeddedStore({ inMemory: true, tableName: 'crash-lease' });
    try {
      const slack = new RecordingNotifier('slack');
      let now = T0;
      const deps: PipelineDeps = {
        store: embedded.store,
        notifiers: { slack },
        config: { mode: 'dry-run', minAlertSeverity: 'medium', selfRoleArns: [SELF_ROLE_ARN], retentionDays: 400 },
        clock: () => new Date(now),
      };
      const result = violation({ eventId: 'crash-1' }, { mode: 'dry-run' });
      // The killed invocation: stored, claimed Slack, posted, died before writing `done`.
      await embedded.store.putIfAbsent({ eventId: 'crash-1', result, steps: {}, storedAt: new Date(T0).toISOString() });
      const claimed = await embedded.store.claimStep!('crash-1', 'notifySlack', undefined, {
        state: 'pending',
        at: new Date(T0).toISOString(),
        attempts: 1,
        leaseUntil: new Date(T0 + 45_000).toISOString(),
      });
      expect(claimed).toBe(true);

      now = T0 + 44_000;
      const early = await runPipeline(structuredClone(result), deps).catch((e: unknown) => (e as PipelineError).outcome);
      expect(early.steps.notifySlack).toMatchObject({ state: 'pending' });
      expect(slack.sent).toHaveLength(0);

      now = T0 + 46_000;
      const late = await runPipeline(structuredClone(result), deps);
      expect(late.steps.notifySlack).toMatchObject({ state: 'done', attempts: 2 });
      expect(slack.sent).toHaveLength(1);

      now = T0 + 600_000;
      await runPipeline(structuredClone(result), deps);
      expect(slack.sent).toHaveLength(1);
    } finally {
      await embedded.close();
    }
  });
});
