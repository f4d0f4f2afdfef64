// Traces through @opentelemetry/api alone: the request's server span, the guard's check and stage
// spans, the upstream client span. Runtime-free: until an SDK registers a tracer provider (the
// Node entry does when an OTLP endpoint is configured, src/node/tracing.ts) the API hands out
// non-recording spans, so every call here costs a no-op. Attributes are names, ids, counts,
// statuses and decisions: never message content, prompts, keys or tenant secrets.

import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { watchBody } from './watched-body.ts';

/** The instrumentation scope every span of the proxy is created under. */
export const TRACER_NAME = 'guardrail-proxy';

const tracer = () => trace.getTracer(TRACER_NAME);

/** W3C `traceparent`/`tracestate` read from fetch Headers (the API's default getter reads plain objects). */
const headersGetter = {
  get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined,
  keys: (carrier: Headers) => [...carrier.keys()],
};

export interface ServerSpan {
  /** The request's context: run the handler inside it so the guard and upstream spans are its children. */
  readonly context: Context;
  readonly span: Span;
}

/**
 * The request's server span, a child of the caller's trace when the request carries a W3C
 * `traceparent` (https://www.w3.org/TR/trace-context/). Named `METHOD route` once the route is known.
 */
export function startServerSpan(request: { method: string; path: string; headers: Headers }): ServerSpan {
  const parent = propagation.extract(context.active(), request.headers, headersGetter);
  const span = tracer().startSpan(
    request.method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.path } },
    parent,
  );
  return { context: trace.setSpan(parent, span), span };
}

export interface ServerSpanEnd {
  method: string;
  /** The matched route template (`/v1/chat/completions`), never the raw path. */
  route: string;
  status: number;
  attributes: Attributes;
}

/**
 * Ends the request's span with the response (HTTP semantic conventions: an error only for a 5xx).
 * A streamed answer (SSE) ends it when its body ends (the output checks made as it is relayed are
 * recorded under it), its reads run in the request's context in case the runtime's context manager
 * does not follow the stream's callbacks: the response comes back with that body. Any other
 * response ends it now and comes back as it was.
 */
export function finishServerSpan(server: ServerSpan, response: Response, end: ServerSpanEnd): Response {
  if (!server.span.isRecording()) return response;
  const streamed = response.body !== null && (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  if (!streamed || response.body === null) {
    endServerSpan(server.span, end);
    return response;
  }
  const body = watchBody(response.body, {
    runRead: (read) => context.with(server.context, read),
    onEnd: (outcome) => {
      server.span.setAttribute('guardrail.stream.outcome', outcome);
      endServerSpan(server.span, end);
    },
  });
  return new Response(body, response);
}

function endServerSpan(span: Span, end: ServerSpanEnd): void {
  span.updateName(`${end.method} ${end.route}`);
  span.setAttributes({ ...end.attributes, 'http.route': end.route, 'http.response.status_code': end.status });
  if (end.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** Whether the active context has a recording span: spans below it are worth building. */
export function tracingActive(): boolean {
  return trace.getSpan(context.active())?.isRecording() ?? false;
}

/** A span under the active one (or none), started now or at `startTime` (a performance.now() reading). */
export function startChildSpan(name: string, options: { kind?: SpanKind; attributes?: Attributes; startTime?: number } = {}): { span: Span; context: Context } {
  const parent = context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, startTime: options.startTime }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** A finished span from `startTime` (a performance.now() reading) to now, under `parent`. */
export function recordSpan(name: string, parent: Context, options: { startTime: number; attributes?: Attributes; error?: boolean }): void {
  const span = tracer().startSpan(name, { attributes: options.attributes, startTime: options.startTime }, parent);
  if (options.error) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/**
 * Keeps the most severe value per key on the request's (active) span, e.g. the worst guard decision
 * of every check the request made; `rank` orders the values.
 */
const raised = new WeakMap<Span, Map<string, number>>();
export function raiseActiveSpanAttribute(key: string, value: string, rank: number): void {
  const span = trace.getSpan(context.active());
  if (!span?.isRecording()) return;
  const ranks = raised.get(span) ?? new Map<string, number>();
  raised.set(span, ranks);
  if ((ranks.get(key) ?? -1) >= rank) return;
  ranks.set(key, rank);
  span.setAttribute(key, value);
}

/** Writes `traceparent` (and `tracestate`) for `spanContext` into outgoing headers; nothing without an SDK. */
export function injectTraceHeaders(spanContext: Context, headers: Record<string, string>): void {
  propagation.inject(spanContext, headers);
}

export { SpanKind, SpanStatusCode, type Attributes, type Context, type Span };

/** Runs `work` with `active` as the current context (a plain call without a context manager). */
export function runInContext<T>(active: Context, work: () => T): T {
  return context.with(active, work);
}
