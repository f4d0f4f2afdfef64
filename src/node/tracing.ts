// OpenTelemetry tracing for the Node entry, off unless an OTLP endpoint is configured: then a
// NodeTracerProvider (AsyncLocalStorage context, W3C trace context propagation) with a batch
// processor over the OTLP/HTTP JSON exporter, registered globally so the spans the app makes
// through @opentelemetry/api (src/ops/tracing.ts) are recorded. Without one, no SDK is started.
// Env, as the OpenTelemetry SDK specification names it:
// https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/

import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { EnvMap } from '../policy/interpolate.ts';

export const DEFAULT_SERVICE_NAME = 'guardrail-proxy';

export interface Tracing {
  /** Where spans are exported (the OTLP/HTTP traces URL). */
  readonly endpoint: string;
  readonly serviceName: string;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Flushes, stops the exporter and unregisters the SDK (graceful shutdown). */
  shutdown(): Promise<void>;
}

/**
 * The traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT
 * with `v1/traces` appended (the OTLP exporter specification's rule); null when neither is set,
 * OTEL_SDK_DISABLED is true or OTEL_TRACES_EXPORTER is `none`.
 */
export function tracesEndpoint(env: EnvMap): string | null {
  const read = (name: string) => env[name]?.trim() || null;
  if (read('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null;
  if (read('OTEL_TRACES_EXPORTER')?.toLowerCase() === 'none') return null;
  const traces = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (traces) return traces;
  const base = read('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!base) return null;
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

/** Starts and registers the SDK when an OTLP endpoint is configured; null (nothing started) otherwise. */
export function startTracing(env: EnvMap): Tracing | null {
  const endpoint = tracesEndpoint(env);
  if (endpoint === null) return null;
  const serviceName = env['OTEL_SERVICE_NAME']?.trim() || DEFAULT_SERVICE_NAME;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }))],
  });
  provider.register();
  return {
    endpoint,
    serviceName,
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
