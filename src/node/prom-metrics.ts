// The Metrics seam over prom-client: one Registry per server (so tests can run several), Node's
// default process metrics (event-loop delay, heap, GC) included, and the text exposition for
// GET /metrics.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, type Metrics } from '../ops/metrics.ts';

export interface PromMetrics extends Metrics {
  readonly registry: Registry;
  render(): Promise<{ contentType: string; body: string }>;
}

export function createPromMetrics(options: { defaultMetrics?: boolean } = {}): PromMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const made = new Map<string, { kind: string; metric: unknown }>();

  function once<T>(name: string, kind: string, build: () => T): T {
    const existing = made.get(name);
    if (existing) {
      if (existing.kind !== kind) throw new Error(`metric ${name} is already a ${existing.kind}`);
      return existing.metric as T;
    }
    const metric = build();
    made.set(name, { kind, metric });
    return metric;
  }

  return {
    registry,
    counter(name, { help, labelNames = [] }) {
      const counter = once(name, 'counter', () => new Counter({ name, help, labelNames: [...labelNames], registers: [registry] }));
      return { inc: (labels = {}, value = 1) => counter.inc({ ...labels }, value) };
    },
    histogram(name, { help, labelNames = [], buckets = DURATION_BUCKETS }) {
      const histogram = once(name, 'histogram', () => new Histogram({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [registry] }));
      return { observe: (labels, value) => histogram.observe({ ...labels }, value) };
    },
    gauge(name, { help, labelNames = [] }) {
      const gauge = once(name, 'gauge', () => new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] }));
      return { set: (labels, value) => gauge.set({ ...labels }, value) };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
