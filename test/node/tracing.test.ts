// The Node tracing switch: which environment turns the SDK on, that without an endpoint nothing
// is started (every span the app asks for is the API's non-recording one), and that `npm start`'s
// entry exports through OTEL_EXPORTER_OTLP_ENDPOINT and flushes what is left on SIGTERM.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerSpan } from '../../src/ops/tracing.ts';
import { startFakeCollector } from '../../fixtures/fake-otlp-collector.ts';
import { startFakeUpstream } from '../../fixtures/fake-upstream.ts';
import { createTestApp } from '../helpers/app.ts';
import { DEFAULT_SERVICE_NAME, startTracing, tracesEndpoint, type Tracing } from '../../src/node/tracing.ts';

const recording = () => trace.getTracer('probe').startSpan('probe').isRecording();
const caller = new Headers({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });

let started: Tracing | null = null;
afterEach(async () => {
  await started?.shutdown();
  started = null;
});

describe('tracesEndpoint', () => {
  it('is null without an OTLP endpoint, or when the SDK or the traces exporter is switched off', () => {
    expect(tracesEndpoint({})).toBeNull();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeNull();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('appends v1/traces to the base endpoint and takes the traces endpoint as given', () => {
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('http://collector:4318/v1/traces');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom' })).toBe('http://b:9999/custom');
  });
});

describe('startTracing', () => {
  it('starts nothing without an endpoint: no SDK, no exporter, only non-recording spans', () => {
    started = startTracing({ OTEL_SERVICE_NAME: 'ignored' });
    expect(started).toBeNull();
    expect(recording()).toBe(false);
    const server = startServerSpan({ method: 'POST', path: '/v1/chat/completions', headers: caller });
    expect(server.span.isRecording()).toBe(false);
    // No propagator either: the caller's traceparent is not even read.
    expect(server.span.spanContext().traceId).toBe('00000000000000000000000000000000');
  });

  it('sends no traceparent upstream while tracing is off', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }, { traceparent: caller.get('traceparent')! });
    expect(response.status).toBe(200);
    expect(testApp.upstream.calls).toHaveLength(1);
    expect(Object.keys(testApp.upstream.calls[0]!.headers)).not.toContain('traceparent');
  });

  it('registers the SDK with an endpoint (service name defaulted) and unregisters it on shutdown', async () => {
    started = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(started).toMatchObject({ endpoint: 'http://127.0.0.1:9/v1/traces', serviceName: DEFAULT_SERVICE_NAME });
    expect(recording()).toBe(true);
    const server = startServerSpan({ method: 'POST', path: '/v1/chat/completions', headers: caller });
    expect(server.span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(server.span.isRecording()).toBe(true);
    await started!.shutdown();
    started = null;
    expect(recording()).toBe(false);
  });
});

describe('src/node/main.ts with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  const ROOT = fileURLToPath(new URL('../..', import.meta.url));
  const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

  it('exports the request spans, flushed on SIGTERM before it exits 0', async () => {
    const collector = await startFakeCollector();
    const upstream = await startFakeUpstream();
    const child = spawn(TSX, ['src/node/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        PORT: '0',
        AUDIT_LOG: 'off',
        UPSTREAM_BASE_URL: upstream.baseUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        // Far beyond the test: only the shutdown flush can deliver these spans.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
        let buffered = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          for (const line of buffered.split('\n').slice(0, -1)) {
            const parsed = JSON.parse(line) as Record<string, unknown>;
            if (parsed['msg'] === 'guardrail proxy listening') resolve(parsed);
          }
          buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
        });
        child.on('exit', (code) => reject(new Error(`main exited ${code} before listening`)));
      });
      expect(listening['traces']).toBe(new URL(collector.url).host);
      const client = new OpenAI({ baseURL: `${String(listening['url'])}/v1`, apiKey: 'unused-auth-is-off', maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello from the tracing test' }] });
      expect(completion.choices[0]?.message.content).toContain('hello from the tracing test');
      expect(collector.spans).toEqual([]);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const names = collector.spans.map((span) => span.name);
      expect(names).toEqual(expect.arrayContaining(['POST /v1/chat/completions', 'guard.input', 'guard.output', 'POST /chat/completions']));
      expect(collector.spans.every((span) => span.resource['service.name'] === 'guardrail-proxy')).toBe(true);
      expect(JSON.stringify(collector.spans)).not.toContain('hello from the tracing test');
    } finally {
      child.kill('SIGKILL');
      await upstream.close();
      await collector.close();
    }
  }, 60_000);
});
