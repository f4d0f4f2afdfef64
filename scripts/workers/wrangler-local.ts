// Running wrangler fully offline, for `npm run dev:workers` and the workerd test: no login, no
// telemetry, no update check, no fetch of the Request.cf object, and the model put into the local
// (simulated) R2 bucket the Worker reads it from.

import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseModelMetadata } from '../../src/classifier/onnx-session.ts';
import { modelObjectKey } from '../../src/workers/model-key.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
/** wrangler.toml's bucket_name for the MODELS binding. */
export const MODEL_BUCKET = 'guardrail-proxy-models';

/** The environment wrangler runs with: everything that would reach Cloudflare or npm switched off. */
export function offlineWranglerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true', // the banner is what runs the npm update check
    CLOUDFLARE_CF_FETCH_ENABLED: 'false', // miniflare would fetch workers.cloudflare.com/cf.json
    // Any update check that still runs fails at once on loopback instead of reaching a registry.
    npm_config_registry: 'http://127.0.0.1:9/',
    NO_UPDATE_NOTIFIER: '1',
  };
}

export async function modelKey(): Promise<{ key: string; file: string }> {
  const path = join(ROOT, 'models', 'moderation-classifier.json');
  const metadata = parseModelMetadata(await readFile(path, 'utf8'), path);
  return { key: modelObjectKey(metadata), file: join(ROOT, 'models', metadata.onnxFile) };
}

/**
 * Writes a copy of wrangler.toml into `dir` whose entry is the repository's and whose policy bundle
 * is `bundle`, and returns its path (for `--config`). wrangler's `--alias NAME:PATH` cannot replace
 * the toml's alias (the toml's wins), so a run with its own bundle needs its own config.
 */
export async function writeWranglerConfig(dir: string, bundle: string): Promise<string> {
  const toml = await readFile(join(ROOT, 'wrangler.toml'), 'utf8');
  const replaced = toml
    .replace(/^main = ".*"$/m, `main = ${JSON.stringify(join(ROOT, 'src', 'workers', 'index.ts'))}`)
    .replace(/^"guardrail-policy-bundle" = ".*"$/m, `"guardrail-policy-bundle" = ${JSON.stringify(bundle)}`);
  if (!replaced.includes(JSON.stringify(bundle)) || !replaced.includes(JSON.stringify(join(ROOT, 'src', 'workers', 'index.ts')))) {
    throw new Error('wrangler.toml no longer has the main and alias lines writeWranglerConfig rewrites');
  }
  const path = join(dir, 'wrangler.toml');
  await writeFile(path, replaced);
  return path;
}

/** Runs a wrangler command to its end; rejects with its output on a non-zero exit. */
export function runWrangler(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: offlineWranglerEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise(output) : reject(new Error(`wrangler ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

/** Puts the committed model into the local R2 bucket (under `persistTo`, default .wrangler/state). */
export async function seedLocalModel(options: { persistTo?: string } = {}): Promise<string> {
  const { key, file } = await modelKey();
  const persist = options.persistTo ? ['--persist-to', options.persistTo] : [];
  await runWrangler(['r2', 'object', 'put', `${MODEL_BUCKET}/${key}`, '--file', file, '--local', ...persist]);
  return key;
}
