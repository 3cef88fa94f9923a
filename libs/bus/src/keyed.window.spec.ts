/**
 * KeyedWindow on its own: how many run at once, per-key order, and where the commit point stops.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedWindow, type WindowOutcome } from './keyed.window';

/** A handler that settles when the test says so. */
function gate() {
  let open!: (outcome: WindowOutcome) => void;
  const settled = new Promise<WindowOutcome>((resolve) => (open = resolve));
  return { handle: () => settled, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedWindow', () => {
  it('runs up to its limit at once and commits the settled prefix only', async () => {
    const commits: bigint[] = [];
    const window = new KeyedWindow(3, (next) => void commits.push(next));
    const gates = [0, 1, 2, 3].map(() => gate());
    const started = [0, 1, 2].map((i) => window.start(BigInt(i), `k${i}`, gates[i]!.handle));
    expect(await Promise.all(started)).toEqual([true, true, true]);

    let fourthStarted = false;
    const fourth = window.start(3n, 'k3', gates[3]!.handle).then((ok) => (fourthStarted = ok));
    await tick();
    expect(fourthStarted).toBe(false); // the window is full

    gates[1]!.open('commit');
    await fourth;
    expect(fourthStarted).toBe(true);
    expect(commits).toEqual([]); // offset 0 still runs

    gates[0]!.open('commit');
    await tick();
    expect(commits).toEqual([2n]);
    gates[3]!.open('commit');
    gates[2]!.open('commit');
    await window.drain();
    expect(commits.at(-1)).toBe(4n);
  });

  it('never runs two messages of one key at once, and keeps their order', async () => {
    const window = new KeyedWindow(8, () => undefined);
    const first = gate();
    await window.start(0n, 'same', first.handle);
    let secondStarted = false;
    const second = window.start(1n, 'same', async () => {
      secondStarted = true;
      return 'commit';
    });
    await tick();
    expect(secondStarted).toBe(false);
    first.open('commit');
    expect(await second).toBe(true);
    await window.drain();
    expect(secondStarted).toBe(true);
  });

  it('treats null keys as unordered', async () => {
    const window = new KeyedWindow(4, () => undefined);
    const gates = [gate(), gate()];
    expect(await window.start(0n, null, gates[0]!.handle)).toBe(true);
    expect(await window.start(1n, null, gates[1]!.handle)).toBe(true);
    gates.forEach((g) => g.open('commit'));
    await window.drain();
  });

  it('stops at a kept message: nothing starts after it and the commit point stays before it', async () => {
    const commits: bigint[] = [];
    const window = new KeyedWindow(2, (next) => void commits.push(next));
    const gates = [gate(), gate()];
    await window.start(0n, 'a', gates[0]!.handle);
    await window.start(1n, 'b', gates[1]!.handle);
    const third = window.start(2n, 'c', async () => 'commit');
    gates[0]!.open('keep');
    expect(await third).toBe(false);
    expect(window.kept).toBe(true);
    gates[1]!.open('commit');
    await window.drain();
    expect(commits).toEqual([]);
  });

  it('counts a handler that throws as kept', async () => {
    const window = new KeyedWindow(2, () => undefined);
    await window.start(0n, 'a', async () => {
      throw new Error('boom');
    });
    await window.drain();
    expect(window.kept).toBe(true);
  });

  it('stops after a failed commit, and drain rejects with it', async () => {
    const window = new KeyedWindow(2, () => {
      throw new Error('commit refused');
    });
    await window.start(0n, 'a', async () => 'commit');
    await expect(window.drain()).rejects.toThrow('commit refused');
    expect(await window.start(1n, 'b', async () => 'commit')).toBe(false);
  });

  it('for any settle order: commits only increase, never pass an unsettled or kept message, and end at the settled prefix', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', null), delay: fc.integer({ min: 0, max: 3 }), keep: fc.boolean() }), { minLength: 1, maxLength: 25 }),
        async (limit, messages) => {
          const commits: bigint[] = [];
          const settled = new Set<number>();
          const runningKeys = new Map<string, number>();
          let running = 0;
          let maxRunning = 0;
          const window = new KeyedWindow(limit, (next) => {
            for (let offset = 0; offset < Number(next); offset++) expect(settled.has(offset)).toBe(true);
            commits.push(next);
          });
          let startedCount = 0;
          for (const [offset, message] of messages.entries()) {
            const ok = await window.start(BigInt(offset), message.key, async () => {
              running++;
              maxRunning = Math.max(maxRunning, running);
              if (message.key !== null) {
                expect(runningKeys.has(message.key)).toBe(false);
                runningKeys.set(message.key, offset);
              }
              for (let i = 0; i < message.delay; i++) await tick();
              if (message.key !== null) runningKeys.delete(message.key);
              running--;
              if (message.keep) return 'keep';
              settled.add(offset);
              return 'commit';
            });
            if (!ok) break;
            startedCount++;
          }
          await window.drain();
          expect(maxRunning).toBeLessThanOrEqual(limit);
          expect([...commits]).toEqual([...commits].sort((x, y) => (x < y ? -1 : 1)));
          let prefix = 0;
          while (prefix < startedCount && !messages[prefix]!.keep) prefix++;
          expect(commits.at(-1) ?? 0n).toBe(BigInt(prefix));
        },
      ),
      { numRuns: 300 },
    );
  });
});
