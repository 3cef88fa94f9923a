/**
 * The service's Prometheus registry, injectable so features add their own metrics:
 *
 *   constructor(@Inject(MetricsRegistry) metrics: MetricsRegistry) {
 *     this.rounds = metrics.counter({ name: 'cohort_rounds_opened_total', help: '...', labelNames: ['plan'] });
 *   }
 *
 * Invariants: one registry per application (not prom-client's global one, so two apps in one
 * test process do not collide); asking twice for the same name returns the same metric (modules
 * may be instantiated more than once), and asking for a name already taken by another metric type
 * throws; default Node/process metrics are collected; every series has a `service` label.
 */
import {
  collectDefaultMetrics,
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Metric,
  Registry,
} from 'prom-client';

export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(service: string, options: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ service });
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
    }
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return this.getOrCreate(config.name, Counter, () => new Counter({ ...config, registers: [this.registry] }));
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return this.getOrCreate(config.name, Gauge, () => new Gauge({ ...config, registers: [this.registry] }));
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return this.getOrCreate(config.name, Histogram, () => new Histogram({ ...config, registers: [this.registry] }));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for `/metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  private getOrCreate<M extends Metric>(name: string, type: abstract new (...args: never[]) => M, create: () => M): M {
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) {
      return create();
    }
    if (!(existing instanceof type)) {
      throw new Error(`Metric ${name} is already registered with another type`);
    }
    return existing;
  }
}
