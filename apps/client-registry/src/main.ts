import 'reflect-metadata';
import { bootstrapService, loadConfigOrExit } from '@cohort/nest-common';
import { AppModule } from './app.module';
import { ClientRegistryConfig } from './client-registry.config';

const config = loadConfigOrExit(ClientRegistryConfig);
void bootstrapService({ service: 'client-registry', module: AppModule.forRoot(config), config });
