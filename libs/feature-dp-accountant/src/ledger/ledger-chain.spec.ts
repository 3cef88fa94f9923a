import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEDGER_GENESIS_HASH, type LedgerEntry, ModelVersion, PlanId, RoundId, UserId } from '@cohort/contracts';
import { canonicalJson } from './canonical-json';
import { entryHashOf, sealEntry, sha256Hex, userIdsBlobBytes, verifyLedger } from './ledger-chain';

function chain(length: number): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  let previousHash = LEDGER_GENESIS_HASH;
  for (let i = 1; i <= length; i++) {
    const entry = sealEntry({
      sequence: i,
      roundId: RoundId.parse(`r-${i}`),
      planId: PlanId.parse(i % 2 === 0 ? 'plan-b' : 'plan-a'),
      roundNumber: i,
      modelVersion: ModelVersion.parse(`plan-a:v${i}`),
      roundCommittedEventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      mechanism: { kind: 'dp-fedavg-gaussian', samplingRate: 0.3, noiseMultiplier: 1.1, clipNorm: 1, populationSize: 3 },
      cohortSize: 1,
      eligibleUsers: { count: 3, userIds: ['u-1', 'u-2', `u-${i + 2}`].map((u) => UserId.parse(u)).sort() },
      recordedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      previousHash,
    });
    entries.push(entry);
    previousHash = entry.entryHash;
  }
  return entries;
}

const clone = (entries: LedgerEntry[]) => JSON.parse(JSON.stringify(entries)) as LedgerEntry[];

describe('ledger hash chain', () => {
  it('hashes the canonical JSON of every member but entryHash (the documented recipe, step by step)', () => {
    const [entry] = chain(1);
    const { entryHash, ...body } = entry!;
    // A third party: sort members, no whitespace, SHA-256 of the UTF-8 bytes, lowercase hex.
    expect(entryHash).toBe(sha256Hex(canonicalJson(body)));
    expect(canonicalJson(body).startsWith('{"cohortSize":1,"eligibleUsers":{"count":3,"userIds":["u-1","u-2","u-3"]},"mechanism":{"clipNorm":1,')).toBe(true);
    // Member order does not matter; unknown members added by a newer writer do.
    expect(entryHashOf(Object.fromEntries(Object.entries(entry!).reverse()))).toBe(entryHash);
    expect(entryHashOf({ ...entry!, futureField: 1 })).not.toBe(entryHash);
  });

  it('verifies a chain it sealed', () => {
    const entries = chain(5);
    expect(verifyLedger(entries)).toEqual({ valid: true, entriesChecked: 5, headSequence: 5, headHash: entries[4]!.entryHash, firstInvalid: null });
    expect(verifyLedger([])).toEqual({ valid: true, entriesChecked: 0, headSequence: 0, headHash: LEDGER_GENESIS_HASH, firstInvalid: null });
  });

  it('names the tampered entry when a member changes', () => {
    const entries = clone(chain(5));
    (entries[2]!.mechanism as { noiseMultiplier: number }).noiseMultiplier = 5; // pretend more noise was added
    const result = verifyLedger(entries);
    expect(result.valid).toBe(false);
    expect(result.firstInvalid).toMatchObject({ sequence: 3, roundId: 'r-3', fault: 'entry-hash-mismatch' });
    expect(result.firstInvalid!.detail).toMatch(/entry 3 \(round r-3\)/);
    expect(result).toMatchObject({ entriesChecked: 2, headSequence: 2, headHash: entries[1]!.entryHash });
  });

  it('names the next entry when the tampered one was re-hashed too', () => {
    const entries = clone(chain(5));
    const forged = { ...entries[1]!, eligibleUsers: { count: 2, userIds: ['u-1', 'u-4'] } };
    entries[1] = { ...forged, entryHash: entryHashOf(forged) } as LedgerEntry;
    expect(verifyLedger(entries).firstInvalid).toMatchObject({ sequence: 3, fault: 'previous-hash-mismatch' });
    expect(verifyLedger(entries).firstInvalid!.detail).toMatch(/entry 2 or 3 was altered/);
  });

  it('refuses gaps, a round recorded twice, unordered user lists and non-entries', () => {
    const entries = chain(4);
    expect(verifyLedger([entries[0], entries[2]]).firstInvalid).toMatchObject({ sequence: 2, fault: 'sequence-gap' });
    expect(verifyLedger([entries[1]]).firstInvalid).toMatchObject({ sequence: 1, fault: 'sequence-gap' });

    const again = sealEntry({ ...entries[0]!, sequence: 2, previousHash: entries[0]!.entryHash });
    expect(verifyLedger([entries[0], again]).firstInvalid).toMatchObject({ sequence: 2, roundId: 'r-1', fault: 'duplicate-round' });

    const unordered = sealEntry({ ...entries[0]!, eligibleUsers: { count: 2, userIds: ['u-2', 'u-1'].map((u) => UserId.parse(u)) } });
    expect(verifyLedger([unordered]).firstInvalid).toMatchObject({ sequence: 1, fault: 'eligible-users-mismatch' });
    const miscounted = sealEntry({ ...entries[0]!, eligibleUsers: { count: 7, userIds: ['u-1'].map((u) => UserId.parse(u)) } });
    expect(verifyLedger([miscounted]).firstInvalid).toMatchObject({ fault: 'eligible-users-mismatch' });

    expect(verifyLedger([entries[0], 'not an entry']).firstInvalid).toMatchObject({ sequence: 2, roundId: null, fault: 'unparseable' });
  });

  it('detects any single changed character of any entry, at that entry or — re-hashed — the next (property)', () => {
    const entries = chain(6);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.boolean(), (drawn, position, rehash) => {
        // A re-hashed last entry has no successor to betray it: that is what the stored head is for
        // (the service's verify compares it); here the forger re-hashes an entry with a successor.
        const index = rehash ? drawn % 5 : drawn;
        const json = JSON.stringify(entries[index]);
        // One character inside a string value (keeps it JSON); re-hashing makes entryHash moot.
        const positions = [...json.matchAll(/"([^"]+)":"([^"]+)"/g)].flatMap((m) => {
          if (rehash && m[1] === 'entryHash') return [];
          const start = m.index + m[0].length - m[2]!.length - 1;
          return Array.from({ length: m[2]!.length }, (_, k) => start + k);
        });
        const at = positions[position % positions.length]!;
        const tampered = JSON.parse(json.slice(0, at) + (json[at] === 'a' ? 'b' : 'a') + json.slice(at + 1)) as LedgerEntry;
        const list: unknown[] = clone(entries);
        list[index] = rehash ? { ...tampered, entryHash: entryHashOf(tampered) } : tampered;
        const result = verifyLedger(list);
        expect(result.valid).toBe(false);
        if (!rehash) expect(result.firstInvalid!.sequence).toBe(index + 1);
        else if (result.firstInvalid!.sequence === index + 1) {
          // the change itself breaks the entry (its link, or its schema) before the hash is looked at
          expect(result.firstInvalid!.fault).not.toBe('entry-hash-mismatch');
        } else expect(result.firstInvalid).toMatchObject({ sequence: index + 2, fault: 'previous-hash-mismatch' });
      }),
      { numRuns: 300 },
    );
  });

  it('writes the eligible-users blob as the canonical JSON array', () => {
    expect(new TextDecoder().decode(userIdsBlobBytes(['u-1', 'u-2']))).toBe('["u-1","u-2"]');
  });
});
