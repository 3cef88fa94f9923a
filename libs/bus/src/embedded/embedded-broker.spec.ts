/**
 * What the embedded broker adds to the contract suite: bounded retention, groups that fall behind
 * the log start, and partitions moving between members (joins, leaves, stops released).
 */
import { describe, expect, it } from 'vitest';
import type { TopicSpec } from '@cohort/contracts';
import { EmbeddedBroker, type EmbeddedMember, type RawRecord } from './embedded-broker';

const spec = (name: string, partitions = 1): TopicSpec => ({ name, key: 'roundId', partitions, retentionMs: null, cleanupPolicy: 'delete' });
const bytes = (text: string) => new TextEncoder().encode(text);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function member(topic: string, behaviour: (record: RawRecord) => 'commit' | 'keep' | Promise<'commit' | 'keep'> = () => 'commit', concurrency = 1) {
  const seen: string[] = [];
  const stopped = new Set<number>();
  const released: number[] = [];
  let active = true;
  const m: EmbeddedMember & { seen: string[]; stopped: Set<number>; released: number[]; deactivate(): void } = {
    topic,
    concurrency,
    seen,
    stopped,
    released,
    isActive: () => active,
    isStopped: (partition) => stopped.has(partition),
    release: (partition) => {
      released.push(partition);
      stopped.delete(partition);
    },
    deliver: async (record) => {
      seen.push(new TextDecoder().decode(record.value));
      return behaviour(record);
    },
    deactivate: () => {
      active = false;
    },
  };
  return m;
}

describe('EmbeddedBroker', () => {
  it('keeps at most maxRecordsPerPartition records, dropping the oldest; a group behind the start jumps to it', async () => {
    const broker = new EmbeddedBroker({ maxRecordsPerPartition: 3 });
    broker.ensureTopic(spec('t'));
    for (let i = 0; i < 5; i++) broker.append('t', 'k', bytes(`m${i}`), {});
    expect(broker.read('t').map((record) => record.offset)).toEqual(['2', '3', '4']);
    const m = member('t');
    broker.join('g', m);
    await sleep(20);
    expect(m.seen).toEqual(['m2', 'm3', 'm4']);
    expect(broker.committedOffset('g', 't', 0)).toBe(5);
  });

  it('bounds retained bytes per partition but always keeps the newest record', () => {
    const broker = new EmbeddedBroker({ maxBytesPerPartition: 10 });
    broker.ensureTopic(spec('t'));
    broker.append('t', 'k', bytes('12345'), {});
    broker.append('t', 'k', bytes('67890'), {});
    broker.append('t', 'k', bytes('abc'), {});
    expect(broker.read('t').map((record) => new TextDecoder().decode(record.value))).toEqual(['67890', 'abc']);
    broker.append('t', 'k', bytes('x'.repeat(50)), {});
    expect(broker.read('t')).toHaveLength(1);
  });

  it('refuses to append to a topic that does not exist (no auto-creation)', () => {
    const broker = new EmbeddedBroker();
    expect(() => broker.append('nope', 'k', bytes('x'), {})).toThrow(/does not exist/);
  });

  it('moves a partition to the remaining member when its owner leaves, starting at the committed offset', async () => {
    const broker = new EmbeddedBroker();
    broker.ensureTopic(spec('t', 2));
    const first = member('t');
    const second = member('t');
    broker.join('g', first);
    broker.join('g', second);
    const keyFor = (partition: number) => ['a', 'b', 'c', 'd', 'e', 'f'].find((key) => broker.append('t', key, bytes(`probe-${key}`), {}).partition === partition)!;
    keyFor(0);
    keyFor(1);
    await sleep(20);
    expect(first.seen.length).toBeGreaterThan(0);
    expect(second.seen.length).toBeGreaterThan(0);
    const secondBefore = second.seen.length;

    broker.leave('g', first);
    for (let i = 0; i < 6; i++) broker.append('t', `k${i}`, bytes(`after-${i}`), {});
    await sleep(20);
    expect(second.seen.slice(secondBefore).filter((text) => text.startsWith('after-')).sort()).toEqual(['after-0', 'after-1', 'after-2', 'after-3', 'after-4', 'after-5']);
  });

  it('a stopped partition waits; when it moves to another member the old owner forgets its stop', async () => {
    const broker = new EmbeddedBroker();
    broker.ensureTopic(spec('t'));
    const stuck = member('t', () => 'keep');
    broker.join('g', stuck);
    broker.append('t', 'k', bytes('poison'), {});
    await sleep(20);
    stuck.stopped.add(0);
    broker.append('t', 'k', bytes('behind'), {});
    await sleep(20);
    expect(stuck.seen).toEqual(['poison']);

    const healthy = member('t');
    stuck.deactivate();
    broker.join('g', healthy);
    await sleep(20);
    expect(healthy.seen).toEqual(['poison', 'behind']);
    expect(stuck.released).toEqual([0]);
    expect(stuck.stopped.size).toBe(0);
  });

  it('with concurrency, runs several keys of a partition at once, one per key, and commits up to the oldest unsettled message', async () => {
    const broker = new EmbeddedBroker();
    broker.ensureTopic(spec('t'));
    const release = new Map<string, () => void>();
    const busy = member('t', (record) => new Promise((resolve) => release.set(new TextDecoder().decode(record.value), () => resolve('commit'))), 4);
    broker.join('g', busy);
    for (const [key, text] of [['a', 'a0'], ['b', 'b0'], ['a', 'a1'], ['c', 'c0'], ['d', 'd0'], ['e', 'e0']]) broker.append('t', key!, bytes(text!), {});
    await sleep(20);
    expect(busy.seen).toEqual(['a0', 'b0']); // a1 waits for a0, and everything after it waits in offset order
    release.get('b0')!();
    await sleep(20);
    expect(broker.committedOffset('g', 't', 0)).toBe(0); // a0 still runs
    release.get('a0')!();
    await sleep(20);
    expect(busy.seen).toEqual(['a0', 'b0', 'a1', 'c0', 'd0', 'e0']); // a1 free, then c0 and d0, e0 fills the fourth place
    expect(broker.committedOffset('g', 't', 0)).toBe(2);
    for (const text of ['e0', 'c0', 'a1', 'd0']) release.get(text)!();
    await sleep(20);
    expect(broker.committedOffset('g', 't', 0)).toBe(6);
  });
});
