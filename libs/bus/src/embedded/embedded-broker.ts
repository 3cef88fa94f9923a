/**
 * An in-process stand-in for a Kafka broker, used by the embedded bus (standalone mode, unit
 * tests): topics with partitions, per-partition append-only logs with offsets, consumer groups
 * with committed offsets per partition, and partitions split between the live members of a group.
 * Several `EmbeddedEventBus` instances may share one broker, as processes share a cluster.
 *
 * Invariants:
 * - one delivery loop per (group, topic, partition): a partition's messages reach its owner in
 *   offset order, at most `concurrency` at once and never two of one key (a `KeyedWindow`), so
 *   per-key order holds and a message is never with two members at once;
 * - the committed offset only moves when the member says so (`commit`), to `offset + 1`, and only
 *   past messages that all settled with `commit`;
 * - a partition moves to another member only between two windows (when a member joins, leaves or
 *   closes, the running window drains first), and the new owner starts at the committed offset;
 * - memory is bounded: each partition keeps at most `maxRecordsPerPartition` records and
 *   `maxBytesPerPartition` bytes of values, the oldest go first (like Kafka retention, regardless
 *   of consumers); a group behind the log start jumps to it.
 */
import { AsyncResource } from 'node:async_hooks';
import { dlqSpecOf, type TopicSpec } from '@cohort/contracts';
import { BusError } from '../bus.error';
import { KeyedWindow } from '../keyed.window';
import { partitionForKey } from '../murmur2.partitioner';

/** One message as stored in (and read back from) a topic. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

/** What a delivery loop asks of the member that owns a partition. */
export interface EmbeddedMember {
  readonly topic: string;
  /** Messages of one partition it handles at once (1: one after the other). */
  readonly concurrency: number;
  /** False once the member starts closing: it gets no new message. */
  isActive(): boolean;
  /** True while the member holds this partition stopped ('stop-on-failure'). */
  isStopped(partition: number): boolean;
  /** The partition went to another member: forget any stop on it (the new owner retries). */
  release(partition: number): void;
  /** Handles one message; `commit` moves the group's offset past it, `keep` leaves it for redelivery. */
  deliver(record: RawRecord): Promise<'commit' | 'keep'>;
}

export interface EmbeddedBrokerOptions {
  /** Default 100 000. */
  readonly maxRecordsPerPartition?: number;
  /** Bytes of values kept per partition; default 256 MiB. */
  readonly maxBytesPerPartition?: number;
}

interface StoredRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

class PartitionLog {
  private records: StoredRecord[] = [];
  private head = 0;
  private bytes = 0;
  startOffset = 0;
  nextOffset = 0;

  append(key: string | null, value: Uint8Array, headers: Readonly<Record<string, string>>, maxRecords: number, maxBytes: number): number {
    const offset = this.nextOffset++;
    this.records.push({ offset, key, value, headers, timestamp: Date.now() });
    this.bytes += value.byteLength;
    // Keep at least the newest record, whatever its size.
    while (this.records.length - this.head > 1 && (this.records.length - this.head > maxRecords || this.bytes > maxBytes)) {
      this.bytes -= this.records[this.head]!.value.byteLength;
      this.head++;
      this.startOffset++;
    }
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
    return offset;
  }

  read(offset: number): StoredRecord | undefined {
    if (offset < this.startOffset || offset >= this.nextOffset) return undefined;
    return this.records[this.head + (offset - this.startOffset)];
  }

  all(): StoredRecord[] {
    return this.records.slice(this.head);
  }
}

class TopicLog {
  readonly partitions: PartitionLog[];
  private roundRobin = 0;

  constructor(readonly spec: TopicSpec) {
    this.partitions = Array.from({ length: spec.partitions }, () => new PartitionLog());
  }

  partitionFor(key: string | null): number {
    if (key === null) return this.roundRobin++ % this.partitions.length;
    return partitionForKey(key, this.partitions.length);
  }
}

interface DeliveryLoop {
  running: boolean;
  readonly wake: () => void;
}

interface GroupState {
  readonly committed: Map<string, number[]>;
  /** In join order; partition p of a topic goes to the (p mod n)-th active member of that topic. */
  readonly members: EmbeddedMember[];
  readonly loops: Map<string, DeliveryLoop>;
}

export class EmbeddedBroker {
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, GroupState>();
  private readonly maxRecords: number;
  private readonly maxBytes: number;

  constructor(options: EmbeddedBrokerOptions = {}) {
    this.maxRecords = options.maxRecordsPerPartition ?? 100_000;
    this.maxBytes = options.maxBytesPerPartition ?? 256 * 1024 * 1024;
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 1) {
      throw new BusError('invalid-argument', `maxRecordsPerPartition must be a positive integer, got ${this.maxRecords}`);
    }
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1) {
      throw new BusError('invalid-argument', `maxBytesPerPartition must be a positive integer, got ${this.maxBytes}`);
    }
  }

  /** Creates the topic if it does not exist (an existing topic keeps its partitions). */
  ensureTopic(spec: TopicSpec): void {
    if (this.topics.has(spec.name)) return;
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new BusError('topic-setup-failed', `topic ${spec.name} needs a positive integer partition count, got ${spec.partitions}`);
    }
    this.topics.set(spec.name, new TopicLog(spec));
  }

  /** Creates a topic and its `.dlq`. */
  ensureTopicWithDlq(spec: TopicSpec): void {
    this.ensureTopic(spec);
    this.ensureTopic(dlqSpecOf(spec));
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  /** Appends a message; the topic must exist (no auto-creation, as on our brokers). */
  append(topic: string, key: string | null, value: Uint8Array, headers: Readonly<Record<string, string>>): { partition: number; offset: string } {
    const log = this.topicLog(topic);
    const partition = log.partitionFor(key);
    const offset = log.partitions[partition]!.append(key, value, Object.freeze({ ...headers }), this.maxRecords, this.maxBytes);
    for (const group of this.groups.values()) group.loops.get(loopKey(topic, partition))?.wake();
    return { partition, offset: String(offset) };
  }

  /** Every retained record of a topic, partition by partition, in offset order. */
  read(topic: string): RawRecord[] {
    const log = this.topicLog(topic);
    return log.partitions.flatMap((partition, index) => partition.all().map((record) => toRaw(topic, index, record)));
  }

  /** The group's committed offset (next offset to deliver) of a partition. */
  committedOffset(group: string, topic: string, partition: number): number {
    return this.groups.get(group)?.committed.get(topic)?.[partition] ?? 0;
  }

  join(group: string, member: EmbeddedMember): void {
    const log = this.topicLog(member.topic);
    let state = this.groups.get(group);
    if (!state) {
      state = { committed: new Map(), members: [], loops: new Map() };
      this.groups.set(group, state);
    }
    if (!state.committed.has(member.topic)) state.committed.set(member.topic, new Array<number>(log.partitions.length).fill(0));
    state.members.push(member);
    for (let partition = 0; partition < log.partitions.length; partition++) {
      const key = loopKey(member.topic, partition);
      if (!state.loops.has(key)) state.loops.set(key, this.createLoop(state, member.topic, partition));
    }
    this.rebalance(group, member.topic);
  }

  leave(group: string, member: EmbeddedMember): void {
    const state = this.groups.get(group);
    if (!state) return;
    const index = state.members.indexOf(member);
    if (index >= 0) state.members.splice(index, 1);
    this.rebalance(group, member.topic);
  }

  /** Re-evaluates who owns each partition of `topic` in `group` (after a join, leave, close or stop). */
  rebalance(group: string, topic: string): void {
    const state = this.groups.get(group);
    if (!state) return;
    for (const [key, loop] of state.loops) if (key.startsWith(`${topic}\u0000`)) loop.wake();
  }

  private topicLog(topic: string): TopicLog {
    const log = this.topics.get(topic);
    if (!log) throw new BusError('topic-setup-failed', `topic ${topic} does not exist; topics are created from the registry or on first use by the bus`);
    return log;
  }

  private ownerOf(state: GroupState, topic: string, partition: number): EmbeddedMember | undefined {
    const active = state.members.filter((member) => member.topic === topic && member.isActive());
    return active.length === 0 ? undefined : active[partition % active.length];
  }

  private createLoop(state: GroupState, topic: string, partition: number): DeliveryLoop {
    const log = this.topicLog(topic).partitions[partition]!;
    const committed = state.committed.get(topic)!;
    let lastOwner: EmbeddedMember | undefined;
    const run = async (): Promise<void> => {
      try {
        for (;;) {
          const owner = this.ownerOf(state, topic, partition);
          if (owner !== lastOwner) {
            lastOwner?.release(partition);
            lastOwner = owner;
          }
          if (!owner || owner.isStopped(partition)) return;
          if (committed[partition]! < log.startOffset) committed[partition] = log.startOffset;
          const window = new KeyedWindow(owner.concurrency, (next) => {
            committed[partition] = Number(next);
          });
          for (let position = committed[partition]!; this.ownerOf(state, topic, partition) === owner && !owner.isStopped(partition); ) {
            const record = log.read(position);
            if (!record || !(await window.start(BigInt(record.offset), record.key, () => owner.deliver(toRaw(topic, partition, record))))) break;
            position = record.offset + 1;
          }
          await window.drain();
          // Kept by a member that is neither closing nor stopped: wait for the next wake-up rather
          // than spin on the same message.
          if (window.kept && owner.isActive() && !owner.isStopped(partition)) return;
          // Caught up: a later append wakes the loop again (no await between here and `finally`).
          if (!window.kept && !log.read(Math.max(committed[partition]!, log.startOffset))) return;
        }
      } catch {
        // Members report their own failures and answer 'keep'; nothing else here can throw.
      } finally {
        loop.running = false;
      }
    };
    // Delivery runs in the async context of the subscribe call, like a Kafka consumer's fetch
    // loop, never in the context of whichever publish woke it up.
    const start = AsyncResource.bind(() => {
      setImmediate(() => void run());
    });
    const loop: DeliveryLoop = {
      running: false,
      wake: () => {
        if (loop.running) return;
        loop.running = true;
        start();
      },
    };
    return loop;
  }
}

function loopKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function toRaw(topic: string, partition: number, record: StoredRecord): RawRecord {
  return { topic, partition, offset: String(record.offset), key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp };
}
