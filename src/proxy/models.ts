// A deployment's model policy: `allow` globs (`*` matches any run of characters), or an
// `override` that replaces whatever model the client named. A refused model gets OpenAI's own
// 404 `model_not_found`, so SDKs treat it like any unavailable model.

import { HttpError } from '../errors.ts';
import type { LoadedDeployment, LoadedModelPolicy } from '../policy/types.ts';

export function isModelAllowed(policy: LoadedModelPolicy, model: string): boolean {
  if (policy.override) return model === policy.override;
  return policy.allow.some((pattern) => globToRegExp(pattern).test(model));
}

/** The model to send upstream for a request that named `requested` (possibly nothing). */
export function resolveRequestModel(deployment: LoadedDeployment, requested: string | undefined): string {
  const { models } = deployment;
  if (models.override) return models.override;
  const model = requested ?? models.defaultModel;
  if (model === undefined || model === null) {
    throw new HttpError(400, "Invalid 'model': is required.", { param: 'model' });
  }
  if (!isModelAllowed(models, model)) throw modelNotFound(model);
  return model;
}

/** The configured category of `model` (the first matching `models.categories` glob), or null. */
export function modelCategory(policy: LoadedModelPolicy, model: string): string | null {
  return policy.categories.find((entry) => globToRegExp(entry.pattern).test(model))?.category ?? null;
}

export function modelNotFound(model: string): HttpError {
  return new HttpError(404, `The model \`${model}\` does not exist or you do not have access to it.`, {
    param: 'model',
    code: 'model_not_found',
    type: 'invalid_request_error',
  });
}

const globCache = new Map<string, RegExp>();

function globToRegExp(pattern: string): RegExp {
  let compiled = globCache.get(pattern);
  if (!compiled) {
    const source = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    compiled = new RegExp(`^${source}$`);
    globCache.set(pattern, compiled);
  }
  return compiled;
}
