import { Controller, Get, Inject, Param } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Public } from '../auth/auth.decorators';
import { DEVICE_KEY, startTestApp, type TestApp } from '../common/test-app.fixture';
import { MetricsRegistry } from './metrics.registry';

@Public()
@Controller('widgets')
class WidgetsController {
  private readonly sold;

  constructor(@Inject(MetricsRegistry) metrics: MetricsRegistry) {
    this.sold = metrics.counter({ name: 'widgets_sold_total', help: 'Widgets sold.', labelNames: ['color'] });
  }

  @Get(':widgetId')
  get(@Param('widgetId') widgetId: string) {
    this.sold.inc({ color: 'red' });
    return { widgetId };
  }
}

describe('/metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ controllers: [WidgetsController] });
  });
  afterAll(() => t.close());

  async function scrape(): Promise<string> {
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return response.text();
  }

  it('counts requests by method, route TEMPLATE and status', async () => {
    await fetch(`${t.url}/widgets/1`);
    await fetch(`${t.url}/widgets/2`);
    await fetch(`${t.url}/things/mine`); // 401: the route matched, the guard refused
    await fetch(`${t.url}/things/mine`, { headers: { authorization: `Bearer ${DEVICE_KEY}` } });
    await fetch(`${t.url}/nowhere/123`);
    await fetch(`${t.url}/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEVICE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    // Counted at each response's `finish`: scrape until the last one is in.
    const text = await vi.waitFor(async () => {
      const scraped = await scrape();
      expect(scraped).toContain('status="413"');
      return scraped;
    });
    expect(text).toContain('http_requests_total{method="GET",route="/widgets/:widgetId",status="200",service="fixture"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="/things/mine",status="401",service="fixture"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="/things/mine",status="200",service="fixture"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404",service="fixture"} 1');
    // Refused by the body parser, before routing: unmatched too.
    expect(text).toContain('http_requests_total{method="POST",route="unmatched",status="413",service="fixture"} 1');
    expect(text).not.toContain('/widgets/1"');
    expect(text).toContain('http_request_duration_seconds_count{service="fixture",method="GET",route="/widgets/:widgetId",status="200"} 2');
    expect(text).toContain('http_request_duration_seconds_bucket{le="+Inf",service="fixture",method="GET",route="unmatched",status="404"} 1');
  });

  it('exposes the metrics features add through MetricsRegistry', async () => {
    expect(await scrape()).toContain('widgets_sold_total{color="red",service="fixture"} 2');
  });
});

describe('MetricsRegistry', () => {
  it('returns the same metric for the same name and refuses a name taken by another type', () => {
    const metrics = new MetricsRegistry('svc', { defaultMetrics: false });
    const a = metrics.counter({ name: 'x_total', help: 'x' });
    expect(metrics.counter({ name: 'x_total', help: 'x' })).toBe(a);
    expect(() => metrics.gauge({ name: 'x_total', help: 'x' })).toThrow(/another type/);
  });

  it('collects default process metrics unless told not to', async () => {
    expect(await new MetricsRegistry('svc').render()).toContain('process_cpu_user_seconds_total');
  });
});
