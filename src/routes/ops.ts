// Operator routes outside the OpenAI API: GET /healthz (the process is alive; nothing about any
// tenant), GET /readyz (every readiness check; 503 when one is failing; the details, such as a
// broken policy file's problems, only with the admin key), GET /metrics (Prometheus text, admin
// key on this listener; METRICS_PORT serves it without one) and POST /admin/reload.

import type { Hono } from 'hono';
import { requireAdminKey } from '../auth/admin-key.ts';
import { constantTimeEqual, sha256 } from '../digest.ts';
import { readPresentedKey } from '../auth/proxy-keys.ts';
import { HttpError } from '../errors.ts';
import type { Guard } from '../guard/types.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Readiness } from '../ops/readiness.ts';
import type { PolicyReloader } from '../policy/reload.ts';
import type { AppEnv } from './context.ts';

export interface OpsRouteDeps {
  readiness: Readiness;
  metrics: Metrics;
  /** sha256 of ADMIN_API_KEY; null: /metrics and /admin/reload are not served on this listener. */
  adminKeyHash: Uint8Array | null;
  /** False on the METRICS_PORT listener, which is meant for an internal network only. */
  metricsNeedAdminKey: boolean;
  /** POST /admin/reload reloads through it; absent on the METRICS_PORT listener. */
  reloader?: PolicyReloader<Guard>;
}

export function registerOpsRoutes(app: Hono<AppEnv>, deps: OpsRouteDeps): void {
  const isAdmin = (headers: Headers) => {
    const presented = readPresentedKey(headers);
    return deps.adminKeyHash !== null && presented !== null && constantTimeEqual(sha256(presented), deps.adminKeyHash);
  };

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const report = await deps.readiness.report();
    // Details can name tenants' files: only the operator sees them.
    const admin = isAdmin(c.req.raw.headers);
    const checks = Object.fromEntries(Object.entries(report.checks).map(([name, { details, ...rest }]) => [name, admin && details !== undefined ? { ...rest, details } : rest]));
    return c.json({ status: report.status, checks }, report.status === 'failing' ? 503 : 200, { 'cache-control': 'no-store' });
  });

  app.get('/metrics', async (c) => {
    if (deps.metricsNeedAdminKey) requireAdminKey(c.req.raw.headers, deps.adminKeyHash, 'GET /metrics');
    if (!deps.metrics.render) return c.text('# no metrics registry is configured\n', 200);
    const { contentType, body } = await deps.metrics.render();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });

  const { reloader } = deps;
  if (reloader) {
    app.post('/admin/reload', async (c) => {
      requireAdminKey(c.req.raw.headers, deps.adminKeyHash, 'POST /admin/reload');
      const outcome = await reloader.reloadAll('admin');
      if (outcome.status === 'failed') {
        const error = new HttpError(422, `Policy reload failed; the previous policies (${outcome.snapshot.version}) stay in force: ${outcome.message}.`, { code: 'policy_invalid' });
        return c.json({ ...error.toEnvelope(), problems: outcome.problems }, 422);
      }
      return c.json({ status: outcome.status, policy_version: outcome.snapshot.version, tenants: outcome.snapshot.tenants.size });
    });
  }
}
