/**
 * Kubernetes probes, public (no API key):
 * - `GET /health/live`: 200 while the event loop answers; restart the pod when it does not.
 * - `GET /health/ready`: 200 when every readiness check passes, else 503 problem+json
 *   (`not-ready`) whose `errors` name each failing check; take the pod out of rotation.
 *
 * Invariant: failure reasons (which may carry host names) are logged, not sent; the probe body
 * only names the failing checks. A changed set of failures is logged once, not on every probe.
 */
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Public } from '../auth/auth.decorators';
import { RequestError, RequestErrorCode } from '../errors/request.error';
import { ReadinessRegistry } from './readiness.registry';

@Public()
@Controller('health')
export class HealthController {
  private lastFailures = '';

  constructor(
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(PinoLogger) private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(HealthController.name);
  }

  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, 'up'> }> {
    const report = await this.readiness.run();
    const failed = report.checks.filter((check) => !check.ok);
    const failures = failed.map((check) => `${check.name}: ${check.reason ?? 'failed'}`).join('; ');
    if (failures !== this.lastFailures) {
      if (failures === '') {
        this.logger.info('ready: every readiness check passes');
      } else {
        this.logger.warn({ failures: failed }, `not ready: ${failures}`);
      }
      this.lastFailures = failures;
    }
    if (!report.ready) {
      throw new RequestError(RequestErrorCode.NotReady, `Not ready: ${failed.map((check) => check.name).join(', ')} failing.`, {
        errors: failed.map((check) => ({ field: check.name, message: check.name === 'shutdown' ? 'shutting down' : 'check failed' })),
      });
    }
    return { status: 'ok', checks: Object.fromEntries(report.checks.map((check) => [check.name, 'up' as const])) };
  }
}
