// The judge's policy fields: profile `judge` blocks (env references, defaults, load errors naming
// file, line and field) and deployments' `judge_checks`; the shipped default tenant's quick start.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyLoadError } from '../../../src/policy/errors.ts';
import { loadPolicySnapshot } from '../../../src/policy/load.ts';
import type { PolicyFile } from '../../../src/policy/types.ts';
import { shippedProfileFiles } from '../../helpers/policy-files.ts';

const TENANT = `tenant: acme
default_deployment: main
deployments:
  - name: main
    upstream: { base_url: "http://127.0.0.1:1/v1" }
    guardrails: { profile: judged }
`;

function files(profile: string, tenant = TENANT): PolicyFile[] {
  return [{ path: 'tenants/acme.yaml', content: tenant }, { path: 'tenants/acme/profiles/judged.yaml', content: profile }, ...shippedProfileFiles()];
}

async function loadError(list: PolicyFile[], env: Record<string, string> = {}): Promise<PolicyLoadError> {
  const error = await loadPolicySnapshot(list, env).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PolicyLoadError);
  return error as PolicyLoadError;
}

describe('profile judge blocks', () => {
  it('resolves every field, with defaults, reading base_url and model from the environment', async () => {
    const snapshot = await loadPolicySnapshot(
      files('profile: judged\nextends: default\njudge:\n  enabled: true\n  base_url: ${J_URL}/\n  model: ${J_MODEL:-guard-small}\n  api_key: ${J_KEY}\n  on_error: classifier\n  gray_band: { hate: { from: 0.3, to: 0.8 } }\n'),
      { J_URL: 'http://127.0.0.1:8000/v1', J_KEY: 'sk-judge' },
    );
    const judge = snapshot.tenants.get('acme')!.profiles.get('judged')!.judge;
    expect(judge).toEqual({
      enabled: true,
      mode: 'enforce',
      onError: 'fallback',
      timeoutMs: 3000,
      baseUrl: 'http://127.0.0.1:8000/v1',
      model: 'guard-small',
      apiKeyEnv: 'J_KEY',
      verdict: 'json',
      maxTokens: 400,
      temperature: 0,
      maxInputChars: 16000,
      grayBand: { hate: { from: 0.3, to: 0.8 } },
      cacheTtlMs: 600000,
      cacheMaxEntries: 10000,
      concurrency: 8,
      maxQueue: 64,
      streamTimeoutMs: 1500,
    });
  });

  it('an enabled judge with no endpoint, or no model, is a load error naming file, line and field', async () => {
    const noUrl = await loadError(files('profile: judged\nextends: default\njudge:\n  enabled: true\n  model: m\n'));
    expect(noUrl.problems[0]).toMatchObject({ file: 'tenants/acme/profiles/judged.yaml', line: 4, field: 'judge.base_url' });
    expect(noUrl.problems[0]!.message).toContain('needs base_url');
    const noModel = await loadError(files('profile: judged\nextends: default\njudge:\n  enabled: true\n  base_url: http://127.0.0.1:8000/v1\n'));
    expect(noModel.problems[0]).toMatchObject({ file: 'tenants/acme/profiles/judged.yaml', field: 'judge.model' });
  });

  it('refuses a plain key, an unset variable without default, and an unknown field', async () => {
    const plain = await loadError(files('profile: judged\nextends: default\njudge: { enabled: false, api_key: sk-123 }\n'));
    expect(plain.problems[0]).toMatchObject({ field: 'judge.api_key', line: 3 });
    expect(plain.problems[0]!.message).toContain('environment reference');
    const unset = await loadError(files('profile: judged\nextends: default\njudge:\n  base_url: ${NOPE}\n'));
    expect(unset.problems[0]).toMatchObject({ field: 'judge.base_url', line: 4 });
    expect(unset.problems[0]!.message).toContain('NOPE');
    const typo = await loadError(files('profile: judged\nextends: default\njudge: { enabled: false, max_token: 5 }\n'));
    expect(typo.problems[0]).toMatchObject({ field: 'judge.max_token' });
  });

  it('an enabled judge needs its `${NAME}` key set (a load error naming it); `${NAME:-}` or a disabled judge does not', async () => {
    const judged = (key: string, enabled = 'true') => files(`profile: judged\nextends: default\njudge:\n  enabled: ${enabled}\n  base_url: http://127.0.0.1:8000/v1\n  model: m\n  api_key: ${key}\n`);
    const unset = await loadError(judged('${J_KEY}'));
    expect(unset.problems).toEqual([expect.objectContaining({ file: 'tenants/acme/profiles/judged.yaml', line: 7, field: 'judge.api_key', message: expect.stringContaining('environment variable J_KEY is not set') })]);
    const optional = await loadPolicySnapshot(judged('${J_KEY:-}'), {});
    expect(optional.tenants.get('acme')!.profiles.get('judged')!.judge).toMatchObject({ enabled: true, apiKeyEnv: 'J_KEY' });
    const keyed = await loadPolicySnapshot(judged('${J_KEY}'), { J_KEY: 'sk-judge-key-0123456789' });
    expect(keyed.keyScrubber.scrub('judge said sk-judge-key-0123')).toBe('judge said [REDACTED]');
    const disabled = await loadPolicySnapshot(judged('${J_KEY}', 'false'), {});
    expect(disabled.tenants.get('acme')!.profiles.get('judged')!.judge.enabled).toBe(false);
  });

  it('enabled: auto is on exactly when base_url is set', async () => {
    const profile = 'profile: judged\nextends: default\njudge: { enabled: auto, base_url: "${J_URL:-}", model: m }\n';
    const off = await loadPolicySnapshot(files(profile), {});
    expect(off.tenants.get('acme')!.profiles.get('judged')!.judge.enabled).toBe(false);
    const on = await loadPolicySnapshot(files(profile), { J_URL: 'http://127.0.0.1:9/v1' });
    expect(on.tenants.get('acme')!.profiles.get('judged')!.judge).toMatchObject({ enabled: true, baseUrl: 'http://127.0.0.1:9/v1' });
  });
});

describe('deployment judge_checks', () => {
  const withChecks = (checks: string) => TENANT.replace('guardrails: { profile: judged }', `guardrails:\n      profile: judged\n      judge_checks:\n${checks}`);

  it('load the policy text and the checks with their defaults', async () => {
    const snapshot = await loadPolicySnapshot(
      files('profile: judged\nextends: default\njudge: { enabled: true, base_url: "http://127.0.0.1:9/v1", model: m }\n', withChecks('        policy_violation: { policy: "No competitor talk." }\n        relevancy: {}\n')),
      {},
    );
    expect(snapshot.tenants.get('acme')!.defaultDeployment.guardrails.judgeChecks).toEqual({
      policyViolation: { name: 'policy', policy: 'No competitor talk.', input: true, output: true, action: 'block' },
      bias: null,
      relevancy: { action: 'block' },
      hallucination: null,
    });
  });

  it('need an enabled judge that answers in our JSON rubric', async () => {
    const disabled = await loadError(files('profile: judged\nextends: default\n', withChecks('        policy_violation: { policy: "x" }\n')));
    expect(disabled.problems[0]).toMatchObject({ file: 'tenants/acme.yaml', field: 'deployments[0].guardrails.judge_checks.policy_violation', line: 9 });
    expect(disabled.problems[0]!.message).toContain('no enabled judge');
    const llamaGuard = await loadError(
      files('profile: judged\nextends: default\njudge: { enabled: true, base_url: "http://127.0.0.1:9/v1", model: m, verdict: llama_guard }\n', withChecks('        bias: { action: monitor }\n')),
    );
    expect(llamaGuard.problems[0]!.message).toContain('verdict: llama_guard');
  });
});

describe('the shipped default tenant (quick start)', () => {
  const root = join(import.meta.dirname, '../../../policies');
  const walk = (dir: string): PolicyFile[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.yaml') ? [{ path: relative(root, join(dir, entry.name)), content: readFileSync(join(dir, entry.name), 'utf8') }] : [],
    );

  it('has no judge unless JUDGE_BASE_URL is set; JUDGE_MODEL and JUDGE_API_KEY complete it', async () => {
    const off = await loadPolicySnapshot(walk(root), {});
    expect(off.tenants.get('default')!.profiles.get('default')!.judge.enabled).toBe(false);
    const on = await loadPolicySnapshot(walk(root), { JUDGE_BASE_URL: 'http://127.0.0.1:8000/v1', JUDGE_MODEL: 'meta-llama/Llama-Guard-3-1B', JUDGE_API_KEY: 'k', JUDGE_VERDICT: 'llama_guard' });
    expect(on.tenants.get('default')!.profiles.get('default')!.judge).toMatchObject({ enabled: true, baseUrl: 'http://127.0.0.1:8000/v1', model: 'meta-llama/Llama-Guard-3-1B', apiKeyEnv: 'JUDGE_API_KEY', verdict: 'llama_guard' });
    const noModel = await loadError(walk(root), { JUDGE_BASE_URL: 'http://127.0.0.1:8000/v1' });
    expect(noModel.problems[0]).toMatchObject({ file: 'tenants/default/profiles/default.yaml', field: 'judge.model' });
  });
});
