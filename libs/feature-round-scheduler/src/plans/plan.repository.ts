/**
 * Operators' training plans (Redis in distributed mode, memory in standalone): one field per plan
 * of the hash `scheduler:plans`, holding the definition as given, what it resolved to and when.
 * Parsed with its schema on read: a corrupt record fails loudly. Creation is atomic: of two
 * concurrent creations of one plan id, exactly one wins.
 */
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ResolvedMechanism, TrainingPlan, type PlanId } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore, type WriteOp } from '@cohort/state';
import { PlanSettings } from './plan-settings';

export const StoredPlan = z.object({
  definition: TrainingPlan,
  settings: PlanSettings,
  mechanism: ResolvedMechanism,
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type StoredPlan = z.infer<typeof StoredPlan>;

const PLANS_KEY = 'scheduler:plans';
const definedKey = (planId: PlanId) => `scheduler:plan:${planId}:defined`;

@Injectable()
export class PlanRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  async find(planId: PlanId): Promise<StoredPlan | null> {
    const raw = await this.store.hashGet(PLANS_KEY, planId);
    return raw === null ? null : StoredPlan.parse(JSON.parse(raw));
  }

  /** Every stored plan, by plan id. */
  async list(): Promise<StoredPlan[]> {
    const all = await this.store.hashGetAll(PLANS_KEY);
    return Object.keys(all).sort().map((planId) => StoredPlan.parse(JSON.parse(all[planId]!)));
  }

  /** Stores a new plan; false when one with its id exists already. */
  create(plan: StoredPlan): Promise<boolean> {
    return this.store.commit([this.write(plan)], { unlessExists: definedKey(plan.definition.planId) });
  }

  async replace(plan: StoredPlan): Promise<void> {
    await this.store.commit([this.write(plan), { op: 'set', key: definedKey(plan.definition.planId), value: '1' }]);
  }

  private write(plan: StoredPlan): WriteOp {
    return { op: 'hashSet', key: PLANS_KEY, field: plan.definition.planId, value: JSON.stringify(StoredPlan.parse(plan)) };
  }
}
