import { type DynamicModule, Module } from '@nestjs/common';
import { AggregationSessionRepository } from './aggregation/aggregation-session.repository';
import { AGGREGATOR_OPTIONS, PlainSumAggregatorService, type AggregatorOptions } from './aggregation/plain-sum-aggregator.service';
import { UpdatesController } from './aggregation/updates.controller';

/** secure-aggregator: aggregation sessions per round and the noised release of their sum. */
@Module({})
export class SecureAggregatorModule {
  static forRoot(options: AggregatorOptions): DynamicModule {
    return {
      module: SecureAggregatorModule,
      controllers: [UpdatesController],
      providers: [{ provide: AGGREGATOR_OPTIONS, useValue: options }, AggregationSessionRepository, PlainSumAggregatorService],
    };
  }
}
