// The Node entry as a process: it refuses unsafe or broken configurations with a clear message
// and a non-zero exit, and serves the shipped policies from environment variables alone.

import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupAlive, runProxyToExit as runMain, useProxyProcesses, PROXY_START_TIMEOUT_MS } from '../helpers/proxy-process.ts';

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
  // Every process group a test spawns is killed after it, even when the test times out.
  const spawnProxy = useProxyProcesses();

  it('serves one port from N worker processes and stops them all on SIGTERM', async () => {
    const proxy = spawnProxy({ PORT: '0', WORKERS: '2', LOG_LEVEL: 'info' });
    const listening = () => proxy.lines.filter((line) => line['msg'] === 'guardrail proxy listening');
    const requests = () => proxy.lines.filter((line) => line['msg'] === 'request');
    await proxy.waitFor('cluster serving with 2 listening workers', (lines) => lines.some((line) => line['msg'] === 'guardrail proxy cluster serving') && listening().length === 2);
    expect(new Set(listening().map((line) => line['url'])).size).toBe(1);
    const workerPids = new Set(listening().map((line) => line['pid'] as number));
    expect(workerPids.size).toBe(2);
    expect(workerPids.has(proxy.pid)).toBe(false);

    // Fresh connections are spread over the workers (the primary hands them out in turn); each answers.
    const url = String(listening()[0]!['url']);
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${url}/healthz`, { headers: { connection: 'close' } });
      expect(response.status).toBe(200);
    }
    await proxy.waitFor('20 request log lines', () => requests().length >= 20, 30_000);
    expect(new Set(requests().map((line) => line['pid']))).toEqual(workerPids);

    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
    // The primary exits only after every worker has: nothing of the group is left.
    for (const pid of workerPids) expect(() => process.kill(pid, 0)).toThrow();
    expect(groupAlive(proxy.pid)).toBe(false);
  }, 2 * PROXY_START_TIMEOUT_MS);

  it('exits non-zero with the workers’ message when they cannot start', async () => {
    const { code, stderr } = await runMain({ PORT: 'eighty', WORKERS: '2' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('PORT must be an integer');
    const bad = await runMain({ PORT: '0', WORKERS: '2', CLASSIFIER_MODEL: '/nonexistent/model.onnx' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('cannot load the moderation classifier');
  }, 2 * PROXY_START_TIMEOUT_MS);
});
