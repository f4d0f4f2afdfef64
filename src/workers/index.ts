// The Cloudflare Workers entry: wires the Workers implementations (onnxruntime-web classifier from
// the R2 model, RegExp limited to the RE2 subset, bundled policies, console logger, global fetch)
// into the same app as Node, once per isolate on its first request.

import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import { POLICY_FILES } from 'guardrail-policy-bundle';
import metadataJson from '../../models/moderation-classifier.json' with { type: 'json' };
import { assembleProxy, type AssembledProxy } from '../assemble.ts';
import { parseModelMetadata } from '../classifier/onnx-session.ts';
import { HttpError } from '../errors.ts';
import { describeCause } from '../logging/logger.ts';
import { staticPolicySource } from '../policy/store.ts';
import { createReadiness } from '../ops/readiness.ts';
import { loadWorkersClassifier } from './classifier.ts';
import { policyEnvironment, readMaxBodyBytes, type WorkersEnv } from './env.ts';
import { createConsoleLogger } from './logger.ts';
import { modelObjectKey } from './model-key.ts';
import { ortHeapBytes } from './onnx-web-session.ts';
import { createRegExpEngine } from './regexp-engine.ts';

/** After a failed start (model missing, bad policy), requests get 503 for this long before the next try. */
const RETRY_AFTER_MS = 10_000;

let starting: Promise<AssembledProxy> | null = null;
let failedAt = 0;

async function start(env: WorkersEnv): Promise<AssembledProxy> {
  const logger = createConsoleLogger({ level: env.LOG_LEVEL, base: { service: 'guardrail-proxy', runtime: 'workers' } });
  const metadata = parseModelMetadata(JSON.stringify(metadataJson), 'models/moderation-classifier.json');
  const key = env.CLASSIFIER_MODEL_KEY || modelObjectKey(metadata);
  const began = Date.now();
  const classifier = await loadWorkersClassifier({ bucket: env.MODELS, key, metadata, wasm: ortWasm });
  const maxBodyBytes = readMaxBodyBytes(env);
  const readiness = createReadiness();
  readiness.register('classifier', () => ({ status: 'ok', reason: `model ${classifier.version} loaded` }));
  const proxy = await assembleProxy({
    source: staticPolicySource(POLICY_FILES),
    env: policyEnvironment(env),
    classifier,
    regexEngine: createRegExpEngine(),
    fetch: (input, init) => fetch(input, init),
    logger,
    limits: maxBodyBytes === undefined ? {} : { maxBodyBytes },
    readiness,
  });
  const snapshot = proxy.policies.current();
  logger.info(
    { policyVersion: snapshot.version, tenants: [...snapshot.tenants.keys()], auth: snapshot.authEnabled, classifier: classifier.version, startMs: Date.now() - began, ortHeapBytes: ortHeapBytes() },
    'guardrail proxy ready in this isolate',
  );
  return proxy;
}

function unavailable(): Response {
  const error = new HttpError(503, 'The guardrail proxy is starting or misconfigured; try again shortly.', { type: 'api_error', code: 'service_unavailable' });
  return Response.json(error.toEnvelope(), { status: 503, headers: { 'retry-after': String(RETRY_AFTER_MS / 1000) } });
}

export default {
  async fetch(request, env, ctx) {
    if (!starting && Date.now() - failedAt < RETRY_AFTER_MS) return unavailable();
    starting ??= start(env);
    let proxy: AssembledProxy;
    try {
      proxy = await starting;
    } catch (error) {
      if (starting) {
        // The first request to see the failure logs it; the start is retried after RETRY_AFTER_MS.
        starting = null;
        failedAt = Date.now();
        createConsoleLogger().error(describeCause(error), 'guardrail proxy failed to start in this isolate');
      }
      return unavailable();
    }
    return proxy.app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<WorkersEnv>;
