/**
 * `GET /metrics`: the Prometheus exposition of this service.
 *
 * Public, like the probes: it carries no personal data, and Prometheus scrapes without keys.
 * SREs should not expose it beyond the cluster (restrict it at the ingress).
 */
import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { MetricsRegistry } from './metrics.registry';

@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(MetricsRegistry) private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.render();
    // Written as is: prom-client's content type (exposition format version) must not be rewritten.
    res.status(200).setHeader('Content-Type', this.metrics.contentType);
    res.end(text);
  }
}
