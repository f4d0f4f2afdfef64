// What each upstream call leaves behind for operators: a client span under the request's span
// (its W3C `traceparent` passed upstream) and its latency in the guardrail_upstream_* histograms,
// both ended once the answer's body has been read to its end (a stream: its last byte).
// Labels and attributes: deployment, host, method, path, status; never a body or a key.

import { DURATION_BUCKETS, noopMetrics, type Histogram, type Metrics } from '../ops/metrics.ts';
import { injectTraceHeaders, SpanKind, SpanStatusCode, startChildSpan, tracingActive, type Span } from '../ops/tracing.ts';
import { watchBody } from '../ops/watched-body.ts';
import type { HttpError } from '../errors.ts';

export interface UpstreamMetrics {
  /** From sending the request to the end of the answer's body. */
  readonly duration: Histogram;
  /** From sending the request to the answer's first body byte (a stream's first event). */
  readonly firstByte: Histogram;
}

/** Created once per app (the registry hands back the same metrics when asked again). */
export function createUpstreamMetrics(metrics: Metrics = noopMetrics): UpstreamMetrics {
  return {
    duration: metrics.histogram('guardrail_upstream_duration_seconds', {
      help: 'Upstream calls from the request to the end of the answer body (a stream: its last event), by deployment, status class (2xx..5xx, timeout, unreachable, aborted, cancelled, error) and stream',
      labelNames: ['deployment', 'status_class', 'stream'],
      buckets: DURATION_BUCKETS,
    }),
    firstByte: metrics.histogram('guardrail_upstream_first_byte_seconds', {
      help: "Upstream calls from the request to the answer body's first byte, by deployment, status class and stream",
      labelNames: ['deployment', 'status_class', 'stream'],
      buckets: DURATION_BUCKETS,
    }),
  };
}

export interface UpstreamObservation {
  /** Adds `traceparent` for the client span to the outgoing headers (nothing while tracing is off). */
  inject(headers: Record<string, string>): void;
  /** No response: the fetch failed, timed out or the client left. */
  failed(error: HttpError): void;
  /** A response whose body is not relayed (a redirect, an error status): ended now. */
  ended(status: number): void;
  /** A successful response: its body is read through the handle, which ends the call with the body's last byte. */
  answered(response: Response): ObservedBody;
}

export interface ObservedBody {
  /**
   * The whole body as text (a JSON answer), without wrapping it in a second stream. Its first byte
   * is taken as arriving with the headers, as a JSON answer's does.
   */
  text(): Promise<string>;
  /** The body as a stream (an event stream relayed as it comes), null for a null body. */
  stream(): ReadableStream<Uint8Array> | null;
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

/** The path without its query and with resource ids folded, for a span name of bounded cardinality. */
function pathTemplate(path: string): string {
  return path.split('?')[0]!.replace(/^\/(responses|models)\/[^/]+/, '/$1/{id}');
}

export function observeUpstream(call: { metrics: UpstreamMetrics; deployment: string; method: string; url: string; path: string; stream: boolean }): UpstreamObservation {
  const started = performance.now();
  const stream = String(call.stream);
  const labels = (status_class: string) => ({ deployment: call.deployment, status_class, stream });
  let span: Span | null = null;
  let spanContext = null as ReturnType<typeof startChildSpan>['context'] | null;
  if (tracingActive()) {
    const url = new URL(call.url);
    const opened = startChildSpan(`${call.method} ${pathTemplate(call.path)}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': call.method,
        'server.address': url.hostname,
        'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        'url.path': url.pathname,
        'guardrail.deployment': call.deployment,
        'guardrail.stream': call.stream,
      },
    });
    span = opened.span;
    spanContext = opened.context;
  }
  const endSpan = (attributes: { status?: number; errorType?: string; body?: string }) => {
    if (!span) return;
    if (attributes.status !== undefined) span.setAttribute('http.response.status_code', attributes.status);
    if (attributes.body !== undefined) span.setAttribute('guardrail.upstream.body', attributes.body);
    if (attributes.errorType !== undefined) {
      span.setAttribute('error.type', attributes.errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  const finish = (status_class: string) => call.metrics.duration.observe(labels(status_class), (performance.now() - started) / 1000);
  return {
    inject(headers) {
      if (spanContext) injectTraceHeaders(spanContext, headers);
    },
    failed(error) {
      const kind = error.code === 'upstream_timeout' ? 'timeout' : error.code === 'client_closed_request' ? 'aborted' : 'unreachable';
      finish(kind);
      endSpan({ errorType: kind });
    },
    ended(status) {
      finish(statusClass(status));
      endSpan({ status, ...(status >= 400 ? { errorType: String(status) } : {}) });
    },
    answered(response) {
      const status = response.status;
      const firstByte = () => call.metrics.firstByte.observe(labels(statusClass(status)), (performance.now() - started) / 1000);
      let ended = false;
      const done = (outcome: string) => {
        if (ended) return;
        ended = true;
        finish(outcome === 'done' ? statusClass(status) : outcome);
        endSpan({ status, body: outcome, ...(outcome === 'error' ? { errorType: 'body' } : {}) });
      };
      return {
        async text() {
          firstByte();
          try {
            const text = await response.text();
            done('done');
            return text;
          } catch (error) {
            done('error');
            throw error;
          }
        },
        stream() {
          const { body } = response;
          if (body === null) {
            done('done');
            return null;
          }
          return watchBody(body, {
            onFirstChunk: firstByte,
            onEnd: done,
          });
        },
      };
    },
  };
}
