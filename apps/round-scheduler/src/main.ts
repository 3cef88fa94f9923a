import 'reflect-metadata';
import { bootstrapService, loadConfigOrExit } from '@cohort/nest-common';
import { AppModule } from './app.module';
import { RoundSchedulerConfig } from './round-scheduler.config';

const config = loadConfigOrExit(RoundSchedulerConfig);
void bootstrapService({ service: 'round-scheduler', module: AppModule.forRoot(config), config });
