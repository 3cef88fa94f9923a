import { type DynamicModule, Module } from '@nestjs/common';
import { createNodeCryptoSuite } from '@cohort/secagg';
import * as nodeCrypto from 'node:crypto';
import { SecAggController } from './secagg/secagg.controller';
import { CRYPTO_SUITE, SECAGG_OPTIONS, type SecAggOptions } from './secagg/secagg.options';
import { SessionLifecycleService } from './secagg/session-lifecycle.service';
import { SessionRepository } from './secagg/session.repository';
import { StageIntakeService } from './secagg/stage-intake.service';

/** secure-aggregator: SecAgg+ sessions per round (sharded into groups) and the noised release of their sum. */
@Module({})
export class SecureAggregatorModule {
  static forRoot(options: SecAggOptions): DynamicModule {
    return {
      module: SecureAggregatorModule,
      controllers: [SecAggController],
      providers: [
        { provide: SECAGG_OPTIONS, useValue: options },
        // OpenSSL through node:crypto on the server: the same bytes as the devices' noble suite, faster.
        { provide: CRYPTO_SUITE, useValue: createNodeCryptoSuite(nodeCrypto) },
        SessionRepository,
        SessionLifecycleService,
        StageIntakeService,
      ],
      exports: [SessionLifecycleService],
    };
  }
}
