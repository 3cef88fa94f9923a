/**
 * Charge profiles: per-user accounting in O(1) per query.
 *
 * What a user has spent depends only on how many rounds of each mechanism charged them (RDP
 * composes by addition: ρ(α) = Σ_m rounds_m · ρ_m(α), Mironov 2017 Prop. 1), and in a plan most
 * users are eligible for the same rounds. So users are kept in *groups* — users charged for
 * exactly the same ledger entries — and each group holds one *profile*: rounds charged, the last
 * entry, and the rounds per (plan, q, z). The cumulative RDP curve is Σ rounds × curve(q, z) over
 * the profile, recomputed on demand (a few thousand flops) rather than stored.
 *
 *   user ──► group ──► profile (depth, counts per mechanism) ──► ε at δ
 *
 * Recording a round advances a whole group with one write when all its users were eligible; a
 * group split by the round moves its smaller side to a new group (one write per moved user), which
 * remembers where it came from (`origin`: the group and how many of its rounds it shares);
 * newcomers form one new group. Each group lists the entries it was charged for itself, so the
 * rounds of a user are their group's list after its origin's first `origin.depth` rounds.
 *
 * Invariants: every user in `eligible` ends one round deeper than before, everyone else where they
 * were; new group ids are a function of the state and the entry (`g<sequence>.<k>`), so planning
 * the same entry twice from the same state gives the same transition.
 */
import type { MechanismUsage, PlanId } from '@cohort/contracts';
import type { RoundPrivacyParameters } from './privacy-arithmetic';

export interface ChargeProfile {
  /** Rounds charged. */
  readonly depth: number;
  /** The last ledger entry that charged it (0: none). */
  readonly lastSequence: number;
  readonly mechanisms: readonly MechanismUsage[];
}

export interface GroupRecord {
  readonly size: number;
  readonly profile: ChargeProfile;
  /** The group it split from and the rounds they share (its first `depth` rounds); null for newcomers. */
  readonly origin: { readonly group: string; readonly depth: number } | null;
}

export const EMPTY_PROFILE: ChargeProfile = Object.freeze({ depth: 0, lastSequence: 0, mechanisms: Object.freeze([]) as readonly MechanismUsage[] });

export interface ProfileTransition {
  readonly sequence: number;
  /** Users whose group changes. */
  readonly moves: ReadonlyArray<readonly [userId: string, groupId: string]>;
  /** Groups created or changed. */
  readonly groups: ReadonlyMap<string, GroupRecord>;
  /** Groups charged for this entry (it is appended to their own list). */
  readonly charged: readonly string[];
}

/** The profile one round later. */
export function advance(profile: ChargeProfile, sequence: number, planId: PlanId, round: RoundPrivacyParameters): ChargeProfile {
  return { depth: profile.depth + 1, lastSequence: sequence, mechanisms: addUsage(profile.mechanisms, planId, round) };
}

export function addUsage(usages: readonly MechanismUsage[], planId: PlanId, round: RoundPrivacyParameters): MechanismUsage[] {
  let found = false;
  const next = usages.map((u) => {
    if (u.planId === planId && u.samplingRate === round.samplingRate && u.noiseMultiplier === round.noiseMultiplier) {
      found = true;
      return { ...u, rounds: u.rounds + 1 };
    }
    return u;
  });
  if (!found) next.push({ planId, samplingRate: round.samplingRate, noiseMultiplier: round.noiseMultiplier, rounds: 1 });
  return next;
}

export class ChargeProfileIndex {
  private readonly userGroup = new Map<string, string>();
  private readonly groups = new Map<string, GroupRecord>();

  /** Replaces the index with stored state (the projection in the key-value store). */
  load(userGroups: Readonly<Record<string, string>>, groups: Readonly<Record<string, GroupRecord>>): void {
    this.userGroup.clear();
    this.groups.clear();
    for (const [groupId, record] of Object.entries(groups)) this.groups.set(groupId, record);
    for (const [userId, groupId] of Object.entries(userGroups)) {
      if (!this.groups.has(groupId)) throw new Error(`charge profiles: user ${userId} is in group ${groupId}, which does not exist`);
      this.userGroup.set(userId, groupId);
    }
  }

  get users(): number {
    return this.userGroup.size;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /** A user's profile; EMPTY_PROFILE for a user never charged. */
  profileOf(userId: string): ChargeProfile {
    const groupId = this.userGroup.get(userId);
    return groupId === undefined ? EMPTY_PROFILE : this.groups.get(groupId)!.profile;
  }

  /** The group of a user, or undefined for a user never charged. */
  groupOf(userId: string): string | undefined {
    return this.userGroup.get(userId);
  }

  /** What recording ledger entry `sequence` does; `eligible` must hold each user once. */
  plan(sequence: number, eligible: readonly string[], planId: PlanId, round: RoundPrivacyParameters): ProfileTransition {
    const byGroup = new Map<string, string[]>();
    const newcomers: string[] = [];
    for (const userId of eligible) {
      const groupId = this.userGroup.get(userId);
      if (groupId === undefined) newcomers.push(userId);
      else {
        const members = byGroup.get(groupId);
        if (members === undefined) byGroup.set(groupId, [userId]);
        else members.push(userId);
      }
    }
    let counter = 0;
    const newGroup = () => `g${sequence}.${counter++}`;
    const groups = new Map<string, GroupRecord>();
    const moves: Array<readonly [string, string]> = [];
    const charged: string[] = [];
    /** Groups that advance in place while their non-eligible members move to a new group. */
    const leftBehind = new Map<string, string>();
    for (const [groupId, members] of byGroup) {
      const group = this.groups.get(groupId)!;
      const advanced = advance(group.profile, sequence, planId, round);
      const rest = group.size - members.length;
      if (rest === 0) {
        groups.set(groupId, { ...group, profile: advanced });
        charged.push(groupId);
      } else if (members.length <= rest) {
        const moved = newGroup();
        groups.set(moved, { size: members.length, profile: advanced, origin: { group: groupId, depth: group.profile.depth } });
        groups.set(groupId, { ...group, size: rest });
        charged.push(moved);
        for (const userId of members) moves.push([userId, moved]);
      } else {
        const stay = newGroup();
        groups.set(stay, { size: rest, profile: group.profile, origin: { group: groupId, depth: group.profile.depth } });
        groups.set(groupId, { ...group, size: members.length, profile: advanced });
        charged.push(groupId);
        leftBehind.set(groupId, stay);
      }
    }
    if (leftBehind.size > 0) {
      const chargedUsers = new Set(eligible);
      for (const [userId, groupId] of this.userGroup) {
        const stay = leftBehind.get(groupId);
        if (stay !== undefined && !chargedUsers.has(userId)) moves.push([userId, stay]);
      }
    }
    if (newcomers.length > 0) {
      const joined = newGroup();
      groups.set(joined, { size: newcomers.length, profile: advance(EMPTY_PROFILE, sequence, planId, round), origin: null });
      charged.push(joined);
      for (const userId of newcomers) moves.push([userId, joined]);
    }
    return { sequence, moves, groups, charged };
  }

  apply(transition: ProfileTransition): void {
    for (const [groupId, record] of transition.groups) this.groups.set(groupId, record);
    for (const [userId, groupId] of transition.moves) this.userGroup.set(userId, groupId);
  }
}

/** Where a group's history is read from: its record, and the first `count` entries it listed itself. */
export interface GroupHistorySource {
  record(groupId: string): Promise<GroupRecord | null>;
  own(groupId: string, count: number): Promise<number[]>;
}

/**
 * The first `depth` ledger entries that charged a group, ascending: those it shares with the group
 * it split from (recursively), then its own. Throws when the stored history is incomplete.
 */
export async function chargedSequences(groupId: string, depth: number, source: GroupHistorySource): Promise<number[]> {
  const record = await source.record(groupId);
  if (record === null) throw new Error(`charge profiles: group ${groupId} is not stored`);
  const inherited = record.origin?.depth ?? 0;
  const prefix = record.origin !== null && inherited > 0 ? await chargedSequences(record.origin.group, Math.min(depth, inherited), source) : [];
  if (depth <= inherited) return prefix;
  const own = await source.own(groupId, depth - inherited);
  if (own.length !== depth - inherited) throw new Error(`charge profiles: group ${groupId} lists ${own.length} of its ${depth - inherited} rounds`);
  return [...prefix, ...own];
}
