// The Node entry as a process: it refuses unsafe or broken configurations with a clear message
// and a non-zero exit, and serves the shipped policies from environment variables alone.

import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['src/node/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('src/node/main.ts', () => {
  it('refuses a non-loopback host when no proxy keys are configured', async () => {
    const { code, stderr } = await runMain({ HOST: '0.0.0.0', PORT: '0' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('no proxy keys are configured');
    expect(stderr).toContain('PROXY_API_KEYS');
  });

  it('refuses to start on an invalid policy file, naming file, line and field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policies-'));
    await mkdir(join(dir, 'tenants'));
    await writeFile(
      join(dir, 'tenants', 'default.yaml'),
      'tenant: default\napi_keys: [plain-key]\ndefault_deployment: d\ndeployments:\n  - name: d\n    upstream: { base_url: "http://127.0.0.1:1/v1" }\n',
    );
    const { code, stderr } = await runMain({ POLICY_DIR: dir, PORT: '0' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('tenants/default.yaml:2:');
    expect(stderr).toContain('api_keys[0]');
    expect(stderr).not.toContain('plain-key');
  });

  it('refuses to start without its classifier, naming the model path', async () => {
    const { code, stderr } = await runMain({ PORT: '0', CLASSIFIER_MODEL: '/nonexistent/moderation-classifier.onnx' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('cannot load the moderation classifier');
    expect(stderr).toContain('/nonexistent/moderation-classifier.onnx');
  });

  it('rejects a malformed PORT', async () => {
    const { code, stderr } = await runMain({ PORT: 'eighty' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('PORT must be an integer');
  });
});

describe('WORKERS=N (node:cluster)', () => {
  it('serves one port from N worker processes and stops them all on SIGTERM', async () => {
    const child = spawn(TSX, ['src/node/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: '0', WORKERS: '2', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const lines: Array<Record<string, unknown>> = [];
    let buffered = '';
    let onLine = () => {};
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      onLine();
    });
    const waitFor = (test: () => boolean) =>
      new Promise<void>((resolve) => {
        onLine = () => test() && resolve();
        onLine();
      });
    try {
      const listening = () => lines.filter((line) => line['msg'] === 'guardrail proxy listening');
      await waitFor(() => lines.some((line) => line['msg'] === 'guardrail proxy cluster serving') && listening().length === 2);
      expect(new Set(listening().map((line) => line['url'])).size).toBe(1);
      const workerPids = new Set(listening().map((line) => line['pid']));
      expect(workerPids.size).toBe(2);
      expect(workerPids.has(child.pid)).toBe(false);

      // Fresh connections are spread over the workers; each answers.
      const url = String(listening()[0]!['url']);
      for (let i = 0; i < 20; i++) {
        const response = await fetch(`${url}/healthz`, { headers: { connection: 'close' } });
        expect(response.status).toBe(200);
      }
      await waitFor(() => lines.filter((line) => line['msg'] === 'request').length >= 20);
      const served = new Set(lines.filter((line) => line['msg'] === 'request').map((line) => line['pid']));
      expect(served).toEqual(workerPids);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const pid of workerPids) expect(() => process.kill(pid as number, 0)).toThrow();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits non-zero with the workers’ message when they cannot start', async () => {
    const { code, stderr } = await runMain({ PORT: 'eighty', WORKERS: '2' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('PORT must be an integer');
    const bad = await runMain({ PORT: '0', WORKERS: '2', CLASSIFIER_MODEL: '/nonexistent/model.onnx' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('cannot load the moderation classifier');
  });
});
