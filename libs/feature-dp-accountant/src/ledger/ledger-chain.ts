/**
 * The ledger's hash chain: how an entry is sealed and how a sequence of entries is verified.
 *
 *   entryHash = hex(SHA-256(UTF-8(canonicalJson(entry without its `entryHash` member))))
 *
 * over every other member the entry carries, unknown ones included (canonical JSON: RFC 8785,
 * see canonical-json.ts); `previousHash` is the `entryHash` of the entry before, 64 zeros for the
 * first. Sequences start at 1 and have no gaps; a round appears once. Eligible users are listed in
 * UTF-16 code-unit order without repeats, inline or as the blob of their canonical JSON array.
 *
 * Invariant: a verifier accepts exactly the chains `sealEntry` can produce, and names the first
 * entry where a chain stops being one: change any member of entry s and entry s fails
 * (entry-hash-mismatch); recompute its hash too and entry s + 1 fails (previous-hash-mismatch).
 */
import { createHash } from 'node:crypto';
import { LEDGER_GENESIS_HASH, LedgerEntry, isInlineUsers, type LedgerEntryBody, type LedgerFault, type LedgerVerification } from '@cohort/contracts';
import { canonicalJson } from './canonical-json';

export type UnsealedEntry = LedgerEntryBody;

export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The hash an entry must carry: over every member but `entryHash`. */
export function entryHashOf(entry: Readonly<Record<string, unknown>>): string {
  const { entryHash: _ignored, ...body } = entry;
  return sha256Hex(canonicalJson(body));
}

export function sealEntry(body: UnsealedEntry): LedgerEntry {
  return { ...body, entryHash: entryHashOf(body) };
}

/** Users in the ledger's order: UTF-16 code units, each once. */
export function canonicalUserIds<T extends string>(userIds: readonly T[]): T[] {
  return [...new Set(userIds)].sort();
}

/** The bytes of an eligible-users blob: the canonical JSON array of the (canonically ordered) ids. */
export function userIdsBlobBytes(userIds: readonly string[]): Uint8Array {
  return new TextEncoder().encode(canonicalJson(userIds));
}

/** Whether ids are in the ledger's order (what `canonicalUserIds` returns): strictly increasing UTF-16 code units. */
export function isCanonicalOrder(userIds: readonly string[]): boolean {
  for (let i = 1; i < userIds.length; i++) if (!(userIds[i - 1]! < userIds[i]!)) return false;
  return true;
}

/** Checks entries one at a time, in ledger order; stops at the first fault. */
export class LedgerChainVerifier {
  private previousHash = LEDGER_GENESIS_HASH;
  private nextSequence = 1;
  private checked = 0;
  private readonly rounds = new Set<string>();
  private fault: LedgerVerification['firstInvalid'] = null;

  get valid(): boolean {
    return this.fault === null;
  }

  /** Verifies the next entry; returns it decoded, or null (and records the fault) when it does not verify. */
  push(raw: unknown): LedgerEntry | null {
    if (this.fault !== null) return null;
    const sequence = this.nextSequence;
    const parsed = LedgerEntry.safeParse(raw);
    if (!parsed.success) {
      const roundId = typeof (raw as { roundId?: unknown } | null)?.roundId === 'string' ? (raw as { roundId: string }).roundId : null;
      return this.reject(sequence, roundId, 'unparseable', `entry ${sequence} is not a ledger entry: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    const entry = parsed.data;
    if (entry.sequence !== sequence) {
      return this.reject(sequence, entry.roundId, 'sequence-gap', `expected entry ${sequence}, found sequence ${entry.sequence}`);
    }
    if (entry.previousHash !== this.previousHash) {
      return this.reject(
        sequence,
        entry.roundId,
        'previous-hash-mismatch',
        sequence === 1
          ? 'the first entry must link to the genesis hash (64 zeros)'
          : `entry ${sequence} links to ${entry.previousHash}, but entry ${sequence - 1} hashes to ${this.previousHash}: entry ${sequence - 1} or ${sequence} was altered`,
      );
    }
    const actual = entryHashOf(entry);
    if (actual !== entry.entryHash) {
      return this.reject(sequence, entry.roundId, 'entry-hash-mismatch', `entry ${sequence} (round ${entry.roundId}) hashes to ${actual}, not to the ${entry.entryHash} it carries: its content was altered`);
    }
    const users = entry.eligibleUsers;
    if (isInlineUsers(users) && (users.userIds.length !== users.count || !isCanonicalOrder(users.userIds))) {
      return this.reject(sequence, entry.roundId, 'eligible-users-mismatch', `entry ${sequence} lists ${users.userIds.length} users for a count of ${users.count}, or not in canonical order`);
    }
    if (this.rounds.has(entry.roundId)) {
      return this.reject(sequence, entry.roundId, 'duplicate-round', `round ${entry.roundId} is recorded a second time at entry ${sequence}`);
    }
    this.rounds.add(entry.roundId);
    this.previousHash = entry.entryHash;
    this.nextSequence++;
    this.checked++;
    return entry;
  }

  /** Records a fault found outside the chain itself (a missing blob), at the entry just pushed. */
  rejectLast(entry: LedgerEntry, fault: LedgerFault, detail: string): void {
    if (this.fault !== null) return;
    this.checked--;
    this.nextSequence--;
    this.rounds.delete(entry.roundId);
    this.previousHash = entry.previousHash;
    this.reject(entry.sequence, entry.roundId, fault, detail);
  }

  result(): LedgerVerification {
    return { valid: this.fault === null, entriesChecked: this.checked, headSequence: this.nextSequence - 1, headHash: this.previousHash, firstInvalid: this.fault };
  }

  private reject(sequence: number, roundId: string | null, fault: LedgerFault, detail: string): null {
    this.fault = { sequence, roundId, fault, detail };
    return null;
  }
}

export function verifyLedger(entries: Iterable<unknown>): LedgerVerification {
  const verifier = new LedgerChainVerifier();
  for (const entry of entries) if (verifier.push(entry) === null) break;
  return verifier.result();
}
