import { type DynamicModule, Module } from '@nestjs/common';
import { privacyArithmeticProvider } from './accounting/privacy-arithmetic.provider';
import { PrivacyBudgetService } from './budget/privacy-budget.service';
import { DP_ACCOUNTANT_OPTIONS, type DpAccountantOptions } from './dp-accountant.options';
import { LedgerLifecycle } from './ledger/ledger.lifecycle';
import { LedgerProjector } from './ledger/ledger-projector.service';
import { LedgerWriter } from './ledger/ledger-writer.service';
import { ProjectionRepository } from './ledger/projection.repository';
import { PrivacyController } from './privacy/privacy.controller';
import { PrivacyQueryService } from './privacy/privacy-query.service';

/** dp-accountant: the privacy ledger, per-user and per-plan accounting, budget checks and compliance reads. */
@Module({})
export class DpAccountantModule {
  static forRoot(options: DpAccountantOptions): DynamicModule {
    return {
      module: DpAccountantModule,
      controllers: [PrivacyController],
      providers: [
        { provide: DP_ACCOUNTANT_OPTIONS, useValue: options },
        privacyArithmeticProvider,
        ProjectionRepository,
        LedgerProjector,
        LedgerWriter,
        LedgerLifecycle,
        PrivacyBudgetService,
        PrivacyQueryService,
      ],
      exports: [PrivacyBudgetService, PrivacyQueryService, LedgerLifecycle],
    };
  }
}
