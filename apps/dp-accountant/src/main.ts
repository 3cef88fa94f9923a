import 'reflect-metadata';
import { bootstrapService, loadConfigOrExit } from '@cohort/nest-common';
import { AppModule } from './app.module';
import { DpAccountantConfig } from './dp-accountant.config';

const config = loadConfigOrExit(DpAccountantConfig);
void bootstrapService({ service: 'dp-accountant', module: AppModule.forRoot(config), config });
