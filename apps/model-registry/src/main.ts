import 'reflect-metadata';
import { bootstrapService, loadConfigOrExit } from '@cohort/nest-common';
import { AppModule } from './app.module';
import { ModelRegistryConfig } from './model-registry.config';

const config = loadConfigOrExit(ModelRegistryConfig);
void bootstrapService({ service: 'model-registry', module: AppModule.forRoot(config), config });
