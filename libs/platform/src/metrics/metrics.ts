import { Counter, collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';

/**
 * A small, framework-free facade over Prometheus metrics, so libraries (messaging counts handled,
 * retried and dead-lettered messages) can record metrics without depending on prom-client or Nest.
 * Label values must be bounded: ids, URLs or anything user-supplied never go into a label.
 */

export type MetricLabels = Readonly<Record<string, string | number>>;

export interface MetricSpec {
  /** snake_case with a unit suffix: `messaging_messages_handled_total`, `…_duration_seconds` */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
}

export interface HistogramSpec extends MetricSpec {
  /** upper bounds in the metric's unit; defaults to latency buckets from 5 ms to 10 s */
  readonly buckets?: readonly number[];
}

export interface CounterMetric {
  inc(labels?: MetricLabels, value?: number): void;
}

export interface GaugeMetric {
  set(labels: MetricLabels, value: number): void;
  inc(labels?: MetricLabels, value?: number): void;
  dec(labels?: MetricLabels, value?: number): void;
}

export interface HistogramMetric {
  observe(labels: MetricLabels, value: number): void;
  /** starts a timer; calling the result records the elapsed seconds (and returns them) */
  startTimer(labels?: MetricLabels): (extraLabels?: MetricLabels) => number;
}

export interface Metrics {
  /** Creates the counter, or returns the one already registered under that name. */
  counter(spec: MetricSpec): CounterMetric;
  gauge(spec: MetricSpec): GaugeMetric;
  histogram(spec: HistogramSpec): HistogramMetric;
}

export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface PrometheusMetricsOptions {
  /** Added as the `service` label to every metric. */
  service: string;
  /** Process metrics (CPU, memory, event loop lag, GC): on by default. */
  defaultMetrics?: boolean;
}

/** `Metrics` backed by its own prom-client registry: one per application, never the global one. */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();

  constructor(options: PrometheusMetricsOptions) {
    this.registry.setDefaultLabels({ service: options.service });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  counter(spec: MetricSpec): CounterMetric {
    const counter = this.existing(spec.name, Counter) ?? new Counter({ ...this.base(spec) });
    return {
      inc: (labels, value = 1) => (labels ? counter.inc(labels, value) : counter.inc(value)),
    };
  }

  gauge(spec: MetricSpec): GaugeMetric {
    const gauge = this.existing(spec.name, Gauge) ?? new Gauge({ ...this.base(spec) });
    return {
      set: (labels, value) => gauge.set(labels, value),
      inc: (labels, value = 1) => (labels ? gauge.inc(labels, value) : gauge.inc(value)),
      dec: (labels, value = 1) => (labels ? gauge.dec(labels, value) : gauge.dec(value)),
    };
  }

  histogram(spec: HistogramSpec): HistogramMetric {
    const histogram =
      this.existing(spec.name, Histogram) ??
      new Histogram({ ...this.base(spec), buckets: [...(spec.buckets ?? LATENCY_BUCKETS_SECONDS)] });
    return {
      observe: (labels, value) => histogram.observe(labels, value),
      startTimer: (labels) => histogram.startTimer(labels),
    };
  }

  /** The exposition text of every metric of this application. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private base(spec: MetricSpec) {
    return {
      name: spec.name,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? [])],
      registers: [this.registry],
    };
  }

  private existing<T extends Metric>(
    name: string,
    type: abstract new (...args: never[]) => T,
  ): T | undefined {
    const found = this.registry.getSingleMetric(name);
    if (found === undefined) return undefined;
    if (!(found instanceof type)) {
      throw new Error(`metric ${name} is already registered as another type`);
    }
    return found;
  }
}

/** The platform's HTTP histogram: by method, route TEMPLATE (`/cases/:id`, never the raw URL) and status. */
export const HTTP_REQUEST_DURATION: HistogramSpec = {
  name: 'http_request_duration_seconds',
  help: 'Duration of HTTP requests, by method, route template and status code',
  labelNames: ['method', 'route', 'status_code'],
};
