/**
 * Natural batching for the idempotent producer, which keeps one request in flight (so that its
 * sequence numbers stay in order on retry): publishes that arrive while a request is out are
 * queued and leave together in the next request, like Kafka's `linger.ms` but without waiting
 * when the producer is idle. Each publish still resolves only once the broker has acknowledged
 * its own message (acks = all).
 * Invariants: messages leave in the order they were enqueued; a request carries at most
 * `maxBatchBytes` of values (a larger single message travels alone), so no per-partition record
 * batch exceeds the topics' `max.message.bytes`; a failed request rejects exactly its messages.
 */
import type { Message, Producer } from 'kafkajs';

interface Pending {
  readonly topic: string;
  readonly message: Message;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class KafkaProduceBatcher {
  private readonly queue: Pending[] = [];
  private sending = false;

  constructor(
    private readonly producer: Producer,
    private readonly maxBatchBytes: number,
  ) {}

  send(topic: string, message: Message): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const bytes = (message.value?.length ?? 0) + (message.key?.length ?? 0);
      this.queue.push({ topic, message, bytes, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch: Pending[] = [this.queue.shift()!];
        let bytes = batch[0]!.bytes;
        while (this.queue.length > 0 && bytes + this.queue[0]!.bytes <= this.maxBatchBytes) {
          const next = this.queue.shift()!;
          bytes += next.bytes;
          batch.push(next);
        }
        const byTopic = new Map<string, Message[]>();
        for (const item of batch) {
          const list = byTopic.get(item.topic) ?? [];
          list.push(item.message);
          byTopic.set(item.topic, list);
        }
        try {
          await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
          for (const item of batch) item.resolve();
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
