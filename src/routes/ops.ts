// Operator routes outside the OpenAI API: GET /healthz (the process is alive; nothing about any
// tenant), GET /readyz (every readiness check; 503 when one is failing) and GET /metrics
// (Prometheus text, admin key on this listener; METRICS_PORT serves it without one).

import type { Hono } from 'hono';
import { requireAdminKey } from '../auth/admin-key.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Readiness } from '../ops/readiness.ts';
import type { AppEnv } from './context.ts';

export interface OpsRouteDeps {
  readiness: Readiness;
  metrics: Metrics;
  /** sha256 of ADMIN_API_KEY; null: /metrics is not served on this listener. */
  adminKeyHash: Uint8Array | null;
  /** False on the METRICS_PORT listener, which is meant for an internal network only. */
  metricsNeedAdminKey: boolean;
}

export function registerOpsRoutes(app: Hono<AppEnv>, deps: OpsRouteDeps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const report = await deps.readiness.report();
    return c.json(report, report.status === 'failing' ? 503 : 200, { 'cache-control': 'no-store' });
  });

  app.get('/metrics', async (c) => {
    if (deps.metricsNeedAdminKey) requireAdminKey(c.req.raw.headers, deps.adminKeyHash, 'GET /metrics');
    if (!deps.metrics.render) return c.text('# no metrics registry is configured\n', 200);
    const { contentType, body } = await deps.metrics.render();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
}
