import 'reflect-metadata';
import { bootstrapService, loadConfigOrExit } from '@cohort/nest-common';
import { AppModule } from './app.module';
import { RecommendationServingConfig } from './recommendation-serving.config';

const config = loadConfigOrExit(RecommendationServingConfig);
void bootstrapService({ service: 'recommendation-serving', module: AppModule.forRoot(config), config });
