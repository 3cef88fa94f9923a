/**
 * The parts of the delivery pipeline the contract suite does not reach: option validation, the
 * backoff schedule, and what a closing subscription or a failing dead-letter write leads to.
 */
import { defineEvent } from '@cohort/contracts';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { noopBusLogger } from './bus.logger';
import { MAX_BACKOFF_MS, backoffMs, deliver, resolveSubscribeOptions, type DeliveryDeps, type IncomingMessage } from './delivery.pipeline';
import { encodeEvent } from './event.codec';
import { RecentIdsCache } from './recent-ids.cache';

const Tested = defineEvent({
  type: 'PipelineTested',
  version: 1,
  topic: { name: 'cohort.test.pipeline.v1', key: 'roundId', partitions: 1, retentionMs: null, cleanupPolicy: 'delete' },
  payload: z.object({ n: z.number() }),
  keyOf: () => 'k',
});

function message(): IncomingMessage {
  const encoded = encodeEvent(Tested, { n: 1 }, undefined, 'test');
  return { topic: Tested.topic.name, partition: 0, offset: '7', key: encoded.key, value: encoded.value, headers: encoded.headers };
}

function deps(overrides: Partial<DeliveryDeps<typeof Tested>>): DeliveryDeps<typeof Tested> {
  return {
    definition: Tested,
    handler: async () => undefined,
    options: resolveSubscribeOptions({ group: 'g', policy: 'retry-then-dlq', maxRetries: 2, retryBackoffMs: 1 }),
    recentIds: new RecentIdsCache(10),
    signal: new AbortController().signal,
    system: 'test',
    logger: noopBusLogger,
    deadLetter: async () => undefined,
    ...overrides,
  };
}

describe('delivery pipeline', () => {
  it('validates subscribe options with messages that name the option', () => {
    expect(() => resolveSubscribeOptions({ group: '', policy: 'retry-then-dlq' })).toThrow(/options.group/);
    expect(() => resolveSubscribeOptions({ group: 'g', policy: 'skip' as never })).toThrow(/options.policy/);
    expect(() => resolveSubscribeOptions({ group: 'g', policy: 'retry-then-dlq', maxRetries: -1 })).toThrow(/options.maxRetries/);
    expect(() => resolveSubscribeOptions({ group: 'g', policy: 'retry-then-dlq', retryBackoffMs: Number.NaN })).toThrow(/options.retryBackoffMs/);
    expect(() => resolveSubscribeOptions({ group: 'g', policy: 'retry-then-dlq', concurrency: 0 })).toThrow(/options.concurrency/);
    expect(() => resolveSubscribeOptions({ group: 'g', policy: 'retry-then-dlq', concurrency: 1.5 })).toThrow(/options.concurrency/);
    expect(resolveSubscribeOptions({ group: 'g', policy: 'stop-on-failure' })).toEqual({ group: 'g', policy: 'stop-on-failure', maxRetries: 3, retryBackoffMs: 100, concurrency: 1 });
  });

  it('doubles the backoff each retry and caps a single wait', () => {
    expect([1, 2, 3, 4].map((retry) => backoffMs(100, retry))).toEqual([100, 200, 400, 800]);
    expect(backoffMs(60_000, 20)).toBe(MAX_BACKOFF_MS);
  });

  it('a subscription that starts closing during a backoff gives up without dead-lettering (left uncommitted)', async () => {
    const controller = new AbortController();
    const deadLetter = vi.fn(async () => undefined);
    const handler = vi.fn(async () => {
      setTimeout(() => controller.abort(), 5);
      throw new Error('fails');
    });
    const outcome = await deliver(message(), deps({ handler, deadLetter, signal: controller.signal, options: resolveSubscribeOptions({ group: 'g', policy: 'retry-then-dlq', maxRetries: 3, retryBackoffMs: 10_000 }) }));
    expect(outcome).toBe('aborted');
    expect(handler).toHaveBeenCalledTimes(1);
    expect(deadLetter).not.toHaveBeenCalled();
  });

  it('does not report a message as dead-lettered when the dead-letter write fails', async () => {
    const outcome = deliver(message(), deps({ handler: async () => Promise.reject(new Error('no')), deadLetter: async () => Promise.reject(new Error('broker down')) }));
    await expect(outcome).rejects.toThrow('broker down');
  });

  it('heartbeats during long backoffs and gives the message up when the partition is being revoked', async () => {
    vi.useFakeTimers();
    try {
      const heartbeat = vi.fn(async () => Promise.reject(new Error('rebalancing')));
      const handler = vi.fn(async () => Promise.reject(new Error('fails')));
      const outcome = deliver(message(), deps({ handler, heartbeat, options: resolveSubscribeOptions({ group: 'g', policy: 'stop-on-failure', maxRetries: 1, retryBackoffMs: 5_000 }) }));
      await vi.advanceTimersByTimeAsync(1_000);
      await expect(outcome).resolves.toBe('aborted');
      expect(heartbeat).toHaveBeenCalledTimes(1);
      expect(handler).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
