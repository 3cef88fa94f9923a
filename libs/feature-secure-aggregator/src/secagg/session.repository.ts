/**
 * SecAgg+ sessions in the shared store, so any replica can serve a stage and a restarted process
 * picks the round up where it stopped (docs/secagg.md, "The service").
 *
 * Per round: the round record, the device → group map, the group results. Per group: the stage
 * pointer (stage, deadline, how many answers close it early), the server state as it was when the
 * stage opened, the stage's inbox (one message per device, written once), the requests for the
 * devices of the current stage, and — for MaskedInput — one partial sum per replica, each stored
 * together with the devices it contains so a reader always sees a consistent pair.
 *
 * Invariants: every write that accepts a device message carries a marker (`unlessExists`), so a
 * replay is refused and a device is counted once; every stage transition is one atomic commit
 * guarded by a per-stage marker, so exactly one replica's transition lands.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { ClientId, RoundId } from '@cohort/contracts';
import { fromBase64, toBase64, type SecAggParams, type Stage } from '@cohort/secagg';
import { KEY_VALUE_STORE, type KeyValueStore, type WriteOp } from '@cohort/state';

export interface RoundRecord {
  readonly roundId: RoundId;
  readonly planId: string;
  readonly roundNumber: number;
  readonly baseModelVersion: string;
  readonly dimension: number;
  readonly clipNorm: number;
  readonly noiseMultiplier: number;
  readonly expectedCohortSize: number;
  readonly minSurvivors: number;
  readonly groups: number;
  /** Cohort members left out because no identity key is registered for them. */
  readonly withoutIdentityKey: number;
  /** W3C trace context of the round, so the release joins the round's trace. */
  readonly traceCarrier: Record<string, string>;
}

export interface GroupRef {
  readonly roundId: RoundId;
  readonly group: number;
}

/** A group as it opens: its parameters, devices, first stage and the server state on its ring. */
export interface NewGroup {
  readonly params: SecAggParams;
  readonly members: readonly ClientId[];
  readonly pointer: StagePointer;
  readonly state: string;
}

export interface StagePointer {
  readonly stage: Stage;
  readonly deadline: string;
  /** Devices that may answer this stage: the stage closes early once all have. */
  readonly expected: number;
  readonly abortReason?: string;
}

export type GroupResult =
  | { readonly status: 'finished'; readonly contributors: readonly string[]; readonly noisedSum: string; readonly noiseStddev: number }
  | { readonly status: 'aborted'; readonly reason: string };

/** One replica's partial sum of masked inputs and exactly the devices in it. */
export interface PartialSum {
  readonly clients: string[];
  readonly sum: Uint32Array;
}

const ROUND = (roundId: RoundId) => `secagg:round:${roundId}`;
const MEMBER_GROUP = (roundId: RoundId) => `secagg:round:${roundId}:member-group`;
const RESULTS = (roundId: RoundId) => `secagg:round:${roundId}:results`;
const RELEASED = (roundId: RoundId) => `secagg:round:${roundId}:released`;
const OPEN_GROUPS = 'secagg:open-groups';
const IDENTITY_KEYS = 'secagg:identity-keys';
const group = ({ roundId, group: g }: GroupRef) => `secagg:group:${roundId}/${g}`;
const PARAMS = (ref: GroupRef) => `${group(ref)}:params`;
const POINTER = (ref: GroupRef) => `${group(ref)}:pointer`;
const STATE = (ref: GroupRef) => `${group(ref)}:state`;
const INBOX = (ref: GroupRef, stage: Stage) => `${group(ref)}:inbox:${stage}`;
const ANSWERED = (ref: GroupRef, stage: Stage) => `${group(ref)}:answered:${stage}`;
const REQUESTS = (ref: GroupRef, stage: Stage) => `${group(ref)}:requests:${stage}`;
const PARTIAL = (ref: GroupRef, replica: string) => `${group(ref)}:partial:${replica}`;
const PARTIALS = (ref: GroupRef) => `${group(ref)}:partials`;
const CONTRIBUTORS = (ref: GroupRef) => `${group(ref)}:contributors`;

export const groupKey = ({ roundId, group: g }: GroupRef): string => `${roundId}/${g}`;

export function parseGroupKey(key: string): GroupRef {
  const slash = key.lastIndexOf('/');
  return { roundId: key.slice(0, slash) as RoundId, group: Number(key.slice(slash + 1)) };
}

@Injectable()
export class SessionRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  // ── identity keys (projection of ClientRegistered) ─────────────────────────────────────────

  async recordIdentityKey(clientId: ClientId, identityKey: string): Promise<void> {
    await this.store.commit([{ op: 'hashSet', key: IDENTITY_KEYS, field: clientId, value: identityKey }]);
  }

  async identityKeys(clientIds: readonly ClientId[]): Promise<Map<ClientId, Uint8Array>> {
    const keys = new Map<ClientId, Uint8Array>();
    const values = await this.store.hashGetMany(IDENTITY_KEYS, clientIds);
    clientIds.forEach((clientId, i) => {
      const bytes = values[i] === null ? undefined : fromBase64(values[i]!);
      if (bytes?.length === 32) keys.set(clientId, bytes);
    });
    return keys;
  }

  // ── opening ───────────────────────────────────────────────────────────────────────────────

  /** Creates the round and its groups once; a redelivered RoundOpened changes nothing. */
  createRound(record: RoundRecord, groups: readonly NewGroup[]): Promise<boolean> {
    const ops: WriteOp[] = [{ op: 'set', key: ROUND(record.roundId), value: JSON.stringify(record) }];
    groups.forEach(({ params, members, pointer, state }, g) => {
      const ref = { roundId: record.roundId, group: g };
      ops.push(
        { op: 'set', key: PARAMS(ref), value: JSON.stringify(params) },
        { op: 'set', key: POINTER(ref), value: JSON.stringify(pointer) },
        { op: 'set', key: STATE(ref), value: state },
        { op: 'setAdd', key: OPEN_GROUPS, members: [groupKey(ref)] },
      );
      for (const clientId of members) ops.push({ op: 'hashSet', key: MEMBER_GROUP(record.roundId), field: clientId, value: String(g) });
    });
    return this.store.commit(ops, { unlessExists: `${ROUND(record.roundId)}:created` });
  }

  /** A round that cannot run SecAgg+ at all (too few devices with keys): recorded so it is released once. */
  createEmptyRound(record: RoundRecord): Promise<boolean> {
    return this.store.commit([{ op: 'set', key: ROUND(record.roundId), value: JSON.stringify(record) }], { unlessExists: `${ROUND(record.roundId)}:created` });
  }

  // ── reads ─────────────────────────────────────────────────────────────────────────────────

  async round(roundId: RoundId): Promise<RoundRecord | null> {
    return parsed<RoundRecord>(await this.store.get(ROUND(roundId)));
  }

  async groupOf(roundId: RoundId, clientId: ClientId): Promise<number | null> {
    const g = await this.store.hashGet(MEMBER_GROUP(roundId), clientId);
    return g === null ? null : Number(g);
  }

  async params(ref: GroupRef): Promise<SecAggParams | null> {
    return parsed<SecAggParams>(await this.store.get(PARAMS(ref)));
  }

  async pointer(ref: GroupRef): Promise<StagePointer | null> {
    return parsed<StagePointer>(await this.store.get(POINTER(ref)));
  }

  state(ref: GroupRef): Promise<string | null> {
    return this.store.get(STATE(ref));
  }

  request(ref: GroupRef, stage: Stage, clientId: ClientId): Promise<string | null> {
    return this.store.hashGet(REQUESTS(ref, stage), clientId);
  }

  async inbox(ref: GroupRef, stage: Stage): Promise<string[]> {
    return Object.values(await this.store.hashGetAll(INBOX(ref, stage)));
  }

  answered(ref: GroupRef, stage: Stage): Promise<number> {
    return this.store.setSize(ANSWERED(ref, stage));
  }

  isContributor(ref: GroupRef, clientId: ClientId): Promise<boolean> {
    return this.store.setIsMember(CONTRIBUTORS(ref), clientId);
  }

  async partialSums(ref: GroupRef): Promise<PartialSum[]> {
    const replicas = await this.store.setMembers(PARTIALS(ref));
    const sums: PartialSum[] = [];
    for (const replica of replicas) {
      const partial = await this.partialSum(ref, replica);
      if (partial !== null) sums.push(partial);
    }
    return sums;
  }

  async partialSum(ref: GroupRef, replica: string): Promise<PartialSum | null> {
    const raw = parsed<{ clients: string[]; sum: string }>(await this.store.get(PARTIAL(ref, replica)));
    if (raw === null) return null;
    const bytes = fromBase64(raw.sum)!;
    return { clients: raw.clients, sum: new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4) };
  }

  openGroups(): Promise<GroupRef[]> {
    return this.store.setMembers(OPEN_GROUPS).then((keys) => keys.map(parseGroupKey));
  }

  results(roundId: RoundId): Promise<Record<string, string>> {
    return this.store.hashGetAll(RESULTS(roundId));
  }

  // ── accepting device messages ────────────────────────────────────────────────────────────

  /** Stores a device's stage message once; false when that device already answered the stage. */
  acceptMessage(ref: GroupRef, stage: Stage, clientId: ClientId, message: string): Promise<boolean> {
    return this.store.commit(
      [
        { op: 'hashSet', key: INBOX(ref, stage), field: clientId, value: message },
        { op: 'setAdd', key: ANSWERED(ref, stage), members: [clientId] },
      ],
      { unlessExists: `${group(ref)}:sent:${stage}:${clientId}` },
    );
  }

  /**
   * Replaces this replica's partial sum with `partial` (which includes `clientId`'s masked input)
   * once per device: false when the device's masked input was already taken (here or elsewhere).
   */
  acceptMaskedInput(ref: GroupRef, replica: string, clientId: ClientId, partial: PartialSum): Promise<boolean> {
    const sum = new Uint8Array(partial.sum.buffer, partial.sum.byteOffset, partial.sum.byteLength);
    return this.store.commit(
      [
        { op: 'set', key: PARTIAL(ref, replica), value: JSON.stringify({ clients: partial.clients, sum: toBase64(sum) }) },
        { op: 'setAdd', key: PARTIALS(ref), members: [replica] },
        { op: 'setAdd', key: ANSWERED(ref, 'MaskedInput'), members: [clientId] },
      ],
      { unlessExists: `${group(ref)}:sent:MaskedInput:${clientId}` },
    );
  }

  // ── transitions ──────────────────────────────────────────────────────────────────────────

  /** Moves the group from `from` to the next stage; false when another replica already did. */
  advance(ref: GroupRef, from: Stage, next: { pointer: StagePointer; state: string; requests: Map<string, string>; contributors?: readonly string[] }): Promise<boolean> {
    const ops: WriteOp[] = [
      { op: 'set', key: POINTER(ref), value: JSON.stringify(next.pointer) },
      { op: 'set', key: STATE(ref), value: next.state },
      { op: 'delete', key: INBOX(ref, from) },
      { op: 'delete', key: REQUESTS(ref, from) },
    ];
    for (const [clientId, request] of next.requests) ops.push({ op: 'hashSet', key: REQUESTS(ref, next.pointer.stage), field: clientId, value: request });
    if (next.contributors !== undefined && next.contributors.length > 0) ops.push({ op: 'setAdd', key: CONTRIBUTORS(ref), members: next.contributors });
    return this.store.commit(ops, { unlessExists: `${group(ref)}:closed:${from}` });
  }

  /**
   * Ends the group (released or aborted): the pointer says so, the result is recorded for the
   * round, and the session's secrets-bearing state, inboxes and partial sums are deleted in the
   * same step. False when another replica already ended it.
   */
  async end(ref: GroupRef, from: Stage, pointer: StagePointer, result: GroupResult): Promise<boolean> {
    const replicas = await this.store.setMembers(PARTIALS(ref));
    const ops: WriteOp[] = [
      { op: 'set', key: POINTER(ref), value: JSON.stringify(pointer) },
      { op: 'hashSet', key: RESULTS(ref.roundId), field: String(ref.group), value: JSON.stringify(result) },
      { op: 'setRemove', key: OPEN_GROUPS, members: [groupKey(ref)] },
      { op: 'delete', key: STATE(ref) },
      { op: 'delete', key: INBOX(ref, from) },
      { op: 'delete', key: REQUESTS(ref, from) },
      { op: 'delete', key: PARTIALS(ref) },
      ...replicas.map((replica) => ({ op: 'delete', key: PARTIAL(ref, replica) }) as const),
    ];
    return this.store.commit(ops, { unlessExists: `${group(ref)}:closed:${from}` });
  }

  /** Exactly one caller gets true: it publishes the round's outcome. */
  claimRelease(roundId: RoundId): Promise<boolean> {
    return this.store.commit([{ op: 'set', key: RELEASED(roundId), value: new Date().toISOString() }], { unlessExists: `${RELEASED(roundId)}:claim` });
  }
}

function parsed<T>(raw: string | null): T | null {
  return raw === null ? null : (JSON.parse(raw) as T);
}
