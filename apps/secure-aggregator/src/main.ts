import 'reflect-metadata';
import { bootstrapService, loadConfigOrExit } from '@cohort/nest-common';
import { AppModule } from './app.module';
import { SecureAggregatorConfig } from './secure-aggregator.config';

const config = loadConfigOrExit(SecureAggregatorConfig);
void bootstrapService({ service: 'secure-aggregator', module: AppModule.forRoot(config), config });
