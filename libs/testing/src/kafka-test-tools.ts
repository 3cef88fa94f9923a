/**
 * Kafka and Redis helpers for suites that run Cohort's real services: start from empty registry
 * topics and an empty Redis database, read a topic back from its beginning with a throwaway
 * consumer group, and place a new group at a topic's end. (Test topics of other suites, `cohort.test.*`, are left alone.)
 */
import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { ALL_TOPICS } from '@cohort/contracts';

export interface TopicMessage {
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/** Deletes every registry topic (and waits until they are gone) and flushes one Redis database. */
export async function resetCohortState(admin: Admin, redisUrl: string): Promise<void> {
  const registry = new Set(ALL_TOPICS.map((topic) => topic.name));
  const present = async () => (await admin.listTopics()).filter((topic) => registry.has(topic));
  const ours = await present();
  if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
  for (let i = 0; i < 100 && (await present()).length > 0; i++) await new Promise((r) => setTimeout(r, 200));
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  await redis.quit();
}

/**
 * Reads `topic` from the beginning until `expected` messages arrived (or 30 s passed), then
 * lingers briefly so that anything beyond `expected` — duplicates — shows up too.
 */
export async function readTopic(kafka: Kafka, topic: string, expected: number): Promise<TopicMessage[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 100 });
  const messages: TopicMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      messages.push({ value: message.value, headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) });
    },
  });
  for (let i = 0; i < 150 && messages.length < expected; i++) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 500));
  await consumer.disconnect();
  return messages;
}

/** Places `group` at the current end of `topic`, so that it reads only what is published next. */
export async function groupAtTopicEnd(admin: Admin, group: string, topic: string): Promise<void> {
  const partitions = (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high }));
  await admin.setOffsets({ groupId: group, topic, partitions });
}
