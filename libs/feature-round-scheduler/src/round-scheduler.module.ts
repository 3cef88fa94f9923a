import { type DynamicModule, type ExistingProvider, type FactoryProvider, Module, type ModuleMetadata, type ValueProvider } from '@nestjs/common';
import { BUDGET_GATE, type BudgetGate } from './budget/budget-gate.port';
import { PlanSettings } from './plans/plan-settings';
import { PlanRepository } from './plans/plan.repository';
import { PLAN_SETTINGS, PlansService } from './plans/plans.service';
import { PlansController } from './plans/plans.controller';
import { EligibilityPoolConsumer } from './pool/eligibility-pool.consumer';
import { EligibilityPoolRepository } from './pool/eligibility-pool.repository';
import { cryptoRandom, RANDOM_SOURCE, type RandomSource } from './rounds/random-source';
import { RoundOutcomeConsumer } from './rounds/round-outcome.consumer';
import { RoundRepository } from './rounds/round.repository';
import { RoundsController } from './rounds/rounds.controller';
import { RoundsService } from './rounds/rounds.service';

export interface RoundSchedulerOptions {
  /** The configured plans (the environment's): always there, read-only over HTTP; operators define more. */
  readonly plans: readonly PlanSettings[];
  /** Where budget checks go: HttpBudgetGate in distributed mode, the accountant in-process in standalone. */
  readonly budgetGate: Omit<ValueProvider<BudgetGate>, 'provide'> | Omit<FactoryProvider<BudgetGate>, 'provide'> | Omit<ExistingProvider<BudgetGate>, 'provide'>;
  /** Modules the budget gate's factory needs (the accountant's, when it runs in-process). */
  readonly imports?: ModuleMetadata['imports'];
  readonly random?: RandomSource;
}

/** round-scheduler: training plans, the round state machine, Poisson sampling, device check-in. */
@Module({})
export class RoundSchedulerModule {
  static forRoot(options: RoundSchedulerOptions): DynamicModule {
    const plans = options.plans.map((plan) => PlanSettings.parse(plan));
    return {
      module: RoundSchedulerModule,
      imports: options.imports ?? [],
      controllers: [PlansController, RoundsController],
      providers: [
        { provide: PLAN_SETTINGS, useValue: plans },
        { provide: RANDOM_SOURCE, useValue: options.random ?? cryptoRandom },
        { ...options.budgetGate, provide: BUDGET_GATE },
        EligibilityPoolRepository,
        RoundRepository,
        PlanRepository,
        PlansService,
        RoundsService,
        EligibilityPoolConsumer,
        RoundOutcomeConsumer,
      ],
      exports: [RoundsService, PlansService],
    };
  }
}
