import { Module } from '@nestjs/common';
import { LedgerRepository } from './ledger/ledger.repository';
import { LedgerService } from './ledger/ledger.service';
import { PrivacyController } from './ledger/privacy.controller';

/** dp-accountant: the privacy ledger, budget checks and compliance reads. */
@Module({ controllers: [PrivacyController], providers: [LedgerRepository, LedgerService], exports: [LedgerService] })
export class DpAccountantModule {}
