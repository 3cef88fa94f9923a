/**
 * Test fixture (not part of the public API): a `main.ts` as a service writes it, run in a child
 * process by service.bootstrap.spec.ts.
 */
import { Controller, Get, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Public } from '../auth/auth.decorators';
import { commonConfigSchema } from '../config/common-config.schema';
import { loadConfigOrExit } from '../config/config.loader';
import { bootstrapService } from './service.bootstrap';
import { CohortCommonModule } from './cohort-common.module';

const config = loadConfigOrExit(commonConfigSchema);

@Controller()
class PingController {
  @Get('ping')
  @Public()
  ping() {
    return { pong: true };
  }

  @Get('private')
  secret() {
    return { private: true };
  }
}

@Injectable()
class ShutdownProbe implements OnApplicationShutdown {
  onApplicationShutdown(): void {
    process.stdout.write(`${JSON.stringify({ msg: 'feature shutdown hook ran' })}\n`);
  }
}

@Module({
  imports: [CohortCommonModule.forRoot({ service: 'fixture-main', config })],
  controllers: [PingController],
  providers: [ShutdownProbe],
})
class AppModule {}

void bootstrapService({ service: 'fixture-main', module: AppModule, config });
