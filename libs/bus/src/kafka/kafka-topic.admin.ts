/**
 * Creates the topics the bus needs on a broker that refuses to auto-create them: the registry's
 * topics (`ALL_TOPICS`) at start, and any other topic (with its `.dlq`) the first time a definition
 * naming it is published or subscribed. Partitions, `retention.ms` (-1 for "forever") and
 * `cleanup.policy` come from the `TopicSpec`; `max.message.bytes` is set a little above
 * `MAX_EVENT_BYTES` so that every message the contract can judge reaches a consumer (an oversized
 * one is then dead-lettered with a reason instead of being refused at the producer).
 * Invariant: an existing topic is never altered; creation of one name is attempted by one caller
 * at a time, and a failed attempt can be retried.
 */
import { MAX_EVENT_BYTES, type TopicSpec } from '@cohort/contracts';
import type { Admin } from 'kafkajs';
import { BusError } from '../bus.error';
import { describeError, type BusLogger } from '../bus.logger';

/** Room for key, headers (DLQ reason included) and record-batch overhead above the event limit. */
export const TOPIC_MAX_MESSAGE_BYTES = MAX_EVENT_BYTES + 64 * 1024;

/** How long new topics may take to get partition leaders before creation counts as failed. */
const LEADER_WAIT_MS = 30_000;

export class KafkaTopicAdmin {
  private readonly ready = new Map<string, Promise<void>>();

  constructor(
    private readonly admin: Admin,
    private readonly logger: BusLogger,
    private readonly replicationFactor: number,
  ) {}

  ensure(specs: readonly TopicSpec[]): Promise<void> {
    const pending: TopicSpec[] = [];
    const waits: Promise<void>[] = [];
    for (const spec of specs) {
      const known = this.ready.get(spec.name);
      if (known) waits.push(known);
      else pending.push(spec);
    }
    if (pending.length > 0) {
      const creation = this.create(pending);
      for (const spec of pending) {
        const one = creation.catch((error: unknown) => {
          this.ready.delete(spec.name);
          throw error;
        });
        this.ready.set(spec.name, one);
        waits.push(one);
      }
    }
    return Promise.all(waits).then(() => undefined);
  }

  private async create(specs: readonly TopicSpec[]): Promise<void> {
    try {
      const existing = new Set(await this.admin.listTopics());
      const missing = specs.filter((spec) => !existing.has(spec.name));
      const creationError = missing.length > 0 ? await this.createMissing(missing) : undefined;
      // Existing topics are waited for too: another process may have created them a moment ago.
      if (!(await this.waitUntilLed(specs))) throw creationError ?? new Error('the topics did not get partition leaders in time');
      if (missing.length > 0 && creationError === undefined) this.logger.info({ topics: missing.map((spec) => spec.name) }, 'topics created');
    } catch (error) {
      const { name, message } = describeError(error);
      throw new BusError('topic-setup-failed', `could not create topics ${specs.map((spec) => spec.name).join(', ')} (${name}: ${message}); check that the broker is reachable and allows topic creation`, { cause: error });
    }
  }

  /** Asks for the topics; returns the broker's refusal instead of throwing it. */
  private async createMissing(specs: readonly TopicSpec[]): Promise<unknown> {
    try {
      // kafkajs's own waitForLeaders gives up on the first UNKNOWN_TOPIC_OR_PARTITION a broker
      // answers while the new topic's metadata propagates; `waitUntilLed` tolerates it.
      await this.admin.createTopics({
        waitForLeaders: false,
        topics: specs.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: this.replicationFactor,
          configEntries: [
            { name: 'retention.ms', value: String(spec.retentionMs ?? -1) },
            { name: 'cleanup.policy', value: spec.cleanupPolicy },
            { name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) },
          ],
        })),
      });
      return undefined;
    } catch (error) {
      // Often "already exists": another process created some of them meanwhile, which is success.
      return error;
    }
  }

  /**
   * True once every partition of every topic has a leader that serves it; false after
   * `LEADER_WAIT_MS`. A leader in the metadata is not enough: a broker may still answer
   * NOT_LEADER_FOR_PARTITION for a moment, which kafkajs's admin calls do not retry.
   */
  private async waitUntilLed(specs: readonly TopicSpec[]): Promise<boolean> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      try {
        // Listing first: asking for the metadata of a topic the broker does not know yet is
        // answered with an error that kafkajs logs.
        const listed = new Set(await this.admin.listTopics());
        if (!specs.every((spec) => listed.has(spec.name))) throw new Error('not listed yet');
        const { topics } = await this.admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
        const led = specs.every((spec) => {
          const partitions = topics.find((topic) => topic.name === spec.name)?.partitions ?? [];
          return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0);
        });
        if (led) {
          await Promise.all(specs.map((spec) => this.admin.fetchTopicOffsets(spec.name)));
          return true;
        }
      } catch {
        // UNKNOWN_TOPIC_OR_PARTITION / LEADER_NOT_AVAILABLE / NOT_LEADER_FOR_PARTITION while the
        // topic is being set up.
      }
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
