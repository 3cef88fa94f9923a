import 'reflect-metadata';
import { bootstrapService, loadConfigOrExit } from '@cohort/nest-common';
import { AppModule } from './app.module';
import { InferenceWorkerConfig } from './inference-worker.config';

const config = loadConfigOrExit(InferenceWorkerConfig);
void bootstrapService({ service: 'inference-worker', module: AppModule.forRoot(config), config });
