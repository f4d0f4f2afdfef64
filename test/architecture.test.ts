// The layering of src/, read from its imports: no import circle, runtime code only in src/node/
// and src/workers/ (the thin entries, the only importers of the app and its assembly besides each other),
// the policy wing below the guard engine, the engine below the OpenAI adapter, and no HTTP
// framework below the routes. docs/architecture.md draws the same map.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g;

/** Each file (relative to src/) with its imports: relative ones as src paths, packages as written. */
const graph = new Map(
  sourceFiles(SRC).map((file) => {
    const specifiers = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]!);
    const local = specifiers.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(file), s)));
    const packages = specifiers.filter((s) => !s.startsWith('.'));
    return [relative(SRC, file), { local, packages }] as const;
  }),
);

const inFolder = (file: string, folder: string) => file.startsWith(`${folder}/`);
// The OpenTelemetry SDK and exporter too: the app records through @opentelemetry/api alone.
const NODE_ONLY = /^(node:|onnxruntime-node$|re2$|@hono\/node-server|pino$|ioredis$|@opentelemetry\/(sdk-|exporter-|resources$))/;

describe('src/ layering', () => {
  it('has no import circle', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const circles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        circles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file)?.local ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });

  it('keeps Node-only modules in src/node/, and nothing outside it imports from it', () => {
    const offenders: string[] = [];
    for (const [file, { local, packages }] of graph) {
      if (inFolder(file, 'node')) continue;
      for (const name of packages) if (NODE_ONLY.test(name)) offenders.push(`${file} imports ${name}`);
      for (const target of local) if (inFolder(target, 'node')) offenders.push(`${file} imports ${target}`);
    }
    expect(offenders).toEqual([]);
  });

  it('keeps the Workers runtime in src/workers/, and nothing outside it imports from it', () => {
    const offenders: string[] = [];
    for (const [file, { local, packages }] of graph) {
      if (inFolder(file, 'workers')) continue;
      for (const name of packages) if (name.startsWith('onnxruntime-web') || name.startsWith('guardrail-proxy:')) offenders.push(`${file} imports ${name}`);
      for (const target of local) if (inFolder(target, 'workers')) offenders.push(`${file} imports ${target}`);
    }
    expect(offenders).toEqual([]);
  });

  it('points every arrow down: ops ← policy ← guard ← guardrails ← proxy ← routes ← app', () => {
    // For each folder, the folders it must never import from.
    const above: Record<string, readonly string[]> = {
      policy: ['guard', 'guardrails', 'proxy', 'routes', 'http', 'auth', 'classifier', 'judge'],
      classifier: ['guard', 'guardrails', 'policy', 'proxy', 'routes'],
      text: ['guard', 'guardrails', 'policy', 'proxy', 'routes', 'classifier'],
      guard: ['guardrails', 'proxy', 'routes', 'http', 'auth', 'judge'],
      // The LLM judge implements the guard's Judge contract; the runtime wires it in.
      judge: ['guardrails', 'proxy', 'routes', 'http', 'auth', 'classifier'],
      guardrails: ['proxy', 'routes'],
      proxy: ['routes'],
      validation: ['guard', 'guardrails', 'policy', 'proxy', 'routes'],
      // The operations seams (metrics, readiness, audit sink) sit below everything that records.
      ops: ['guard', 'guardrails', 'policy', 'proxy', 'routes', 'classifier', 'http', 'auth', 'validation'],
      ratelimit: ['guard', 'guardrails', 'proxy', 'routes', 'classifier'],
    };
    const offenders: string[] = [];
    for (const [file, { local }] of graph) {
      const folder = file.split('/')[0]!;
      for (const target of local) {
        const targetFolder = target.split('/')[0]!;
        const entryOnly = target === 'app.ts' || target === 'assemble.ts';
        const isEntry = folder === 'node' || folder === 'workers' || (file === 'assemble.ts' && target === 'app.ts');
        if (above[folder]?.includes(targetFolder) || (entryOnly && !isEntry)) offenders.push(`${file} → ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('uses Hono only in the app and its routes', () => {
    const offenders = [...graph]
      .filter(([file, { packages }]) => packages.some((name) => name === 'hono' || name.startsWith('hono/')) && file !== 'app.ts' && !inFolder(file, 'routes'))
      .map(([file]) => file);
    expect(offenders).toEqual([]);
  });
});
