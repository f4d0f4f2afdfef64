// The metrics seam: counters and histograms the app, the guard stages and the judge record
// through, with a no-op default. Runtime-free: the Node entry passes a prom-client
// implementation (src/node/prom-metrics.ts) and serves its text at GET /metrics.
//
// Use: `const calls = metrics.counter('guard_judge_calls_total', 'Judge calls by outcome', ['outcome'])`
// once at build time, then `calls.inc({ outcome: 'timeout' })` per event. Asking twice for the
// same name returns the same metric, so two modules may share one. Labels never carry content
// or keys: names, ids, categories, outcomes only.

export type MetricLabels = Readonly<Record<string, string>>;

export interface Counter {
  inc(labels?: MetricLabels, value?: number): void;
}

export interface Histogram {
  /** One observation; seconds for durations (Prometheus convention). */
  observe(labels: MetricLabels, value: number): void;
}

export interface Gauge {
  set(labels: MetricLabels, value: number): void;
}

export interface MetricOptions {
  readonly help: string;
  readonly labelNames?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds; default DURATION_BUCKETS (seconds). */
  readonly buckets?: readonly number[];
}

export interface Metrics {
  counter(name: string, options: MetricOptions): Counter;
  histogram(name: string, options: HistogramOptions): Histogram;
  gauge(name: string, options: MetricOptions): Gauge;
  /** The exposition served at GET /metrics; absent on the no-op. */
  render?(): Promise<{ contentType: string; body: string }>;
}

/** Seconds, from 1 ms to 30 s: guard stages sit at the low end, upstream calls at the high end. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const noopCounter: Counter = { inc: () => {} };
const noopHistogram: Histogram = { observe: () => {} };
const noopGauge: Gauge = { set: () => {} };

/** Records nothing: the default where no metrics are wired (tests, Workers without an exporter). */
export const noopMetrics: Metrics = {
  counter: () => noopCounter,
  histogram: () => noopHistogram,
  gauge: () => noopGauge,
};

/** Seconds elapsed since `startedMs` (a performance.now() reading). */
export function secondsSince(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}
