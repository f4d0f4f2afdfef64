// The server as an operator runs it: `npm start` as a real process over a copy of the shipped
// policies and a fake upstream. SIGHUP reloads an edited file; SIGTERM (sent to npm, which passes
// it on) stops accepting, lets a slow stream in flight finish, flushes the audit log and exits 0.

import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../fixtures/fake-upstream.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UPSTREAM_KEY = 'sk-lifecycle-upstream-key';

const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
  id: 'chatcmpl-l', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});
const WORDS = ['Draining ', 'lets ', 'this ', 'slow ', 'answer ', 'finish.'];

/** Resolves with the first stdout JSON line whose msg is `message`. */
function waitForLog(child: ChildProcess, message: string, lines: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (data: Buffer) => {
      buffered += data.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed['msg'] === message) resolve(parsed);
        } catch {
          // npm's own banner lines
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before "${message}": ${lines.join('\n')}`)));
  });
}

describe('npm start', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('reloads on SIGHUP and drains a slow stream on SIGTERM, then exits 0', async () => {
    const upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY });
    cleanups.push(() => upstream.close());
    const policyDir = mkdtempSync(join(tmpdir(), 'lifecycle-policies-'));
    cpSync(join(ROOT, 'policies'), policyDir, { recursive: true });
    const auditLog = join(mkdtempSync(join(tmpdir(), 'lifecycle-audit-')), 'audit.jsonl');

    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        PORT: '0',
        POLICY_DIR: policyDir,
        POLICY_WATCH: 'false',
        UPSTREAM_BASE_URL: upstream.baseUrl,
        UPSTREAM_API_KEY: UPSTREAM_KEY,
        AUDIT_LOG: auditLog,
        SHUTDOWN_DRAIN_MS: '20000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines: string[] = [];
    const listening = await waitForLog(child, 'guardrail proxy listening', lines);
    const url = String(listening['url']);
    const serverPid = Number(listening['pid']);
    const chat = (deployment?: string, stream = false) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(deployment ? { 'x-guard-deployment': deployment } : {}) },
        body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hello' }] }),
      });

    // SIGHUP: an edit on disk is served after the signal (the watch is off).
    const tenantFile = join(policyDir, 'tenants', 'default.yaml');
    await writeFile(tenantFile, `${await readFile(tenantFile, 'utf8')}  - name: after-hup\n    upstream:\n      base_url: \${UPSTREAM_BASE_URL}\n      api_key: \${UPSTREAM_API_KEY}\n`);
    expect((await chat('after-hup')).status).toBe(404);
    const reloaded = waitForLog(child, 'policies reloaded', lines);
    process.kill(serverPid, 'SIGHUP');
    expect(await reloaded).toMatchObject({ reason: 'signal', changed: true });
    expect((await chat('after-hup')).status).toBe(200);

    // SIGTERM mid-stream: the answer still arrives whole.
    upstream.scriptStream({ events: [chunk({ role: 'assistant', content: '' }, null), ...WORDS.map((w) => chunk({ content: w }, null)), chunk({}, 'stop')], paceMs: 300 });
    const response = await chat(undefined, true);
    expect(response.status).toBe(200);
    const body = response.text();
    const shuttingDown = waitForLog(child, 'shutting down: no new connections, draining in-flight requests', lines);
    child.kill('SIGTERM');
    await shuttingDown;
    const refused = await chat().then((r) => r.status, () => 'refused');
    expect(refused).toBe('refused');
    const text = await body;
    const relayed = text
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => (JSON.parse(event.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '')
      .join('');
    expect(relayed).toBe(WORDS.join(''));
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await exited).toBe(0);

    // Every decision reached the audit file, none with content.
    const audit = (await readFile(auditLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { direction: string; streamed: boolean; texts: Array<{ content?: string }> });
    expect(audit.length).toBeGreaterThanOrEqual(4);
    expect(audit.at(-1)).toMatchObject({ direction: 'output', streamed: true });
    expect(audit.every((record) => record.texts.every((t) => t.content === undefined))).toBe(true);
  }, 60_000);
});
