/**
 * The named stages of a SecAgg+ round (Bonawitz et al. CCS 2017, Fig. 4, rounds 0–4; Bell et al.
 * CCS 2020, §4) and their order, as constants (Flower SecAgg+ style).
 *
 * Invariant: a session moves forward one stage at a time; `stageIndex` orders them so a message
 * can be classified as a duplicate (an earlier stage the sender already completed), late (an
 * earlier stage already closed) or early (a later stage).
 */
export const Stage = {
  AdvertiseKeys: 'AdvertiseKeys',
  ShareKeys: 'ShareKeys',
  MaskedInput: 'MaskedInput',
  ConsistencyCheck: 'ConsistencyCheck',
  Unmask: 'Unmask',
  Finished: 'Finished',
  Aborted: 'Aborted',
} as const;

export type Stage = (typeof Stage)[keyof typeof Stage];
export type ProtocolStage = Exclude<Stage, 'Finished' | 'Aborted'>;

const ORDER: Record<Stage, number> = {
  AdvertiseKeys: 1,
  ShareKeys: 2,
  MaskedInput: 3,
  ConsistencyCheck: 4,
  Unmask: 5,
  Finished: 6,
  Aborted: 7,
};

const NEXT: Record<ProtocolStage, Stage> = {
  AdvertiseKeys: Stage.ShareKeys,
  ShareKeys: Stage.MaskedInput,
  MaskedInput: Stage.ConsistencyCheck,
  ConsistencyCheck: Stage.Unmask,
  Unmask: Stage.Finished,
};

/** 1 for AdvertiseKeys … 5 for Unmask; a client that completed stage j is in the set U_j. */
export function stageIndex(stage: Stage): number {
  return ORDER[stage];
}

/** The stage a session moves on to when `stage` closes without aborting (Finished after Unmask). */
export function nextStage(stage: ProtocolStage): Stage {
  return NEXT[stage];
}
