// What every proxied request carries through the app (Hono variables), and the middleware that
// fills it: authenticate the tenant, honour a cache-refresh request, pick the deployment.

import type { Context, MiddlewareHandler } from 'hono';
import { authenticateTenant, readPresentedKey } from '../auth/proxy-keys.ts';
import { HttpError } from '../errors.ts';
import { readGuardHeaders } from '../http/guard-headers.ts';
import type { Guard, GuardedPolicyStore, GuardedTenant } from '../guard/types.ts';
import type { PolicyReloader } from '../policy/reload.ts';
import type { LoadedDeployment } from '../policy/types.ts';
import type { RateLimitDecision } from '../ratelimit/types.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    tags: string[];
    tenant: GuardedTenant;
    deployment: LoadedDeployment;
    /** Whether the request named its deployment (X-Guard-Deployment / X-Enkrypt-Deployment). */
    namedDeployment: boolean;
    /** Set once known, for the access log. */
    model: string;
    stream: boolean;
    /** The request's rate-limit decision, once admitted or refused (routes/rate-limit.ts). */
    rateLimit: RateLimitDecision;
  };
}

export type AppContext = Context<AppEnv>;

export function tenantContextMiddleware(options: { policies: GuardedPolicyStore; reloader: PolicyReloader<Guard> }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const guardHeaders = readGuardHeaders(c.req.raw.headers);
    c.set('tags', guardHeaders.tags);
    const presentedKey = readPresentedKey(c.req.raw.headers);
    let tenant = await authenticateTenant(options.policies.current(), presentedKey);
    if (guardHeaders.refreshCache) {
      // Only an authenticated caller may trigger a reload, of its own files only, at most once per
      // interval; re-authenticate against the new snapshot in case its key was just revoked.
      const outcome = await options.reloader.refreshTenant(tenant.name);
      c.header('x-guard-policy-reload', outcome.status);
      tenant = await authenticateTenant(options.policies.current(), presentedKey);
    }
    c.set('tenant', tenant);
    c.set('deployment', resolveDeployment(tenant, guardHeaders.deployment));
    c.set('namedDeployment', guardHeaders.deployment !== null);
    await next();
  };
}

/** Unknown and other tenants' deployments get the same answer: existence is never revealed. */
function resolveDeployment(tenant: GuardedTenant, name: string | null): LoadedDeployment {
  if (name === null) return tenant.defaultDeployment;
  const deployment = tenant.deployments.get(name);
  if (!deployment) {
    throw new HttpError(404, `The deployment '${name}' does not exist or you do not have access to it.`, {
      code: 'deployment_not_found',
    });
  }
  return deployment;
}
