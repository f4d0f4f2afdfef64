// `npm run policy` as processes, on the shipped policies, a broken policy directory and the small
// labelled file in fixtures/policy-cli/: exit codes, problems with file, line and field, the
// evaluation table and its comparisons, a calibration lint accepts, and an audited decision replayed.

import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policy, ROOT } from '../helpers/policy-cli.ts';
import { sha256Hex } from '../../src/digest.ts';

const LABELLED = 'fixtures/policy-cli/labelled.jsonl';

describe('policy lint', () => {
  it('passes the shipped policies', async () => {
    const { code, stdout } = await policy(['lint', 'policies']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: policies: 1 tenant\(s\), \d+ profile guard\(s\) built, policy version [0-9a-f]{64}\n$/);
  });

  it('lists every problem of a broken directory with file, line and field, and exits 1', async () => {
    const { code, stdout } = await policy(['lint', 'fixtures/policy-cli/broken']);
    expect(code).toBe(1);
    expect(stdout).toContain('tenants/default.yaml:4:5: api_keys[0]: must be "sha256:');
    expect(stdout).toContain('tenants/default.yaml:10:19: deployments[0].upstream.timeout_ms:');
    expect(stdout).toContain('tenants/default.yaml:11:45: deployments[0].guardrails.colour: unknown field');
    expect(stdout).toContain('3 problem(s)');
    expect(stdout).not.toContain('plain-text-key');
  });

  it('exits 2 on a usage error', async () => {
    expect((await policy(['frobnicate'])).code).toBe(2);
    expect((await policy(['lint', 'no/such/dir'])).code).toBe(2);
    const { code, stderr } = await policy(['calibrate', '--data', LABELLED, '--target-precision', '1.5']);
    expect(code).toBe(2);
    expect(stderr).toContain('--target-precision must be a number in (0, 1]');
  });
});

describe('policy test and calibrate', () => {
  const work = mkdtempSync(join(tmpdir(), 'policy-cli-'));

  it('prints precision, recall and flagged rate per labelled category, against another profile, and saves the run', async () => {
    const saved = join(work, 'run.json');
    const { code, stdout, stderr } = await policy(['test', '--data', LABELLED, '--tenant', 'default', '--profile', 'default', '--against', 'strict', '--save', saved]);
    expect(code).toBe(0);
    expect(stderr).toContain('scoring default: 24/24 (100%)');
    expect(stderr).toContain('scoring strict: 24/24 (100%)');
    expect(stdout).toContain('tenant default, profile default');
    expect(stdout).toContain('deltas against profile strict');
    // violence: 24 rows labelled, 5 positive; the line carries both bands' figures.
    expect(stdout).toMatch(/\nviolence\s+24\s+5 \|\s+0\.\d\d\s+(\d\.\d\d|n\/a)\s+(\d\.\d\d|n\/a)\s+\d\.\d\d \|/);
    expect(stdout).toMatch(/\nharassment\s+24\s+7 \|/);
    expect(stdout.match(/ {2}vs baseline/g)?.length).toBeGreaterThanOrEqual(4);

    const again = await policy(['test', '--data', LABELLED, '--baseline', saved]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('deltas against saved run of policy');
    // Same policy, same data: nothing changed.
    for (const line of again.stdout.split('\n').filter((l) => l.includes('vs baseline'))) expect(line).not.toMatch(/[+-]0\.(0[1-9]|[1-9]\d)/);
  }, 120_000);

  it('calibrates thresholds for a target precision as a profile file that lint accepts', async () => {
    const { code, stdout } = await policy(['calibrate', '--data', LABELLED, '--target-precision', '0.9', '--name', 'default-tuned']);
    expect(code).toBe(0);
    expect(stdout).toContain('profile: default-tuned\nextends: default\ncategories:\n');
    expect(stdout).toMatch(/\n {2}violence:\s+\{ review: 0\.\d\d, block: 0\.\d\d \}/);
    const dir = join(work, 'policies');
    cpSync(join(ROOT, 'policies'), dir, { recursive: true });
    mkdirSync(join(dir, 'tenants', 'default', 'profiles'), { recursive: true });
    writeFileSync(join(dir, 'tenants', 'default', 'profiles', 'default-tuned.yaml'), stdout);
    const lint = await policy(['lint', dir]);
    expect(lint.stdout).toContain('ok:');
    expect(lint.code).toBe(0);
  }, 120_000);
});

describe('policy explain --decision', () => {
  it('replays a decision whose content was kept, and says so when it was not', async () => {
    const decisionId = `dec_${'ab'.repeat(16)}`;
    const text = 'please email jane.doe@example.com the report';
    const base = {
      log: 'audit', decision_id: decisionId, request_id: 'r1', time: '2026-01-01T00:00:00.000Z', tenant: 'default', deployment: 'default', tags: [],
      endpoint: 'chat.completions', profile: 'default', policy_version: 'f'.repeat(64), model_version: 'old-model', decision: 'allow', enforcement: 'pass',
      streamed: false, latency_ms: { prefilters: 0, classifier: 0, judge: 0 },
    };
    const entry = { param: 'messages[0].content', sha256: sha256Hex(text), chars: text.length, decision: 'allow', scores: {}, rule_ids: [], detections: [], degraded: [], classifier_status: 'scored', judge: { used: false, decision: null, enforced: null }, latency_ms: {} };
    const audit = join(mkdtempSync(join(tmpdir(), 'policy-cli-audit-')), 'audit.jsonl');
    writeFileSync(
      audit,
      [
        JSON.stringify({ level: 30, msg: 'another log line on the same stream' }),
        JSON.stringify({ ...base, direction: 'input', texts: [{ ...entry, content: text, content_mode: 'full' }] }),
        JSON.stringify({ ...base, direction: 'output', texts: [entry] }),
      ].join('\n'),
    );
    const { code, stdout } = await policy(['explain', '--decision', decisionId, '--audit', audit]);
    expect(code).toBe(0);
    expect(stdout).toContain(`${decisionId} input (chat.completions) tenant default`);
    expect(stdout).toContain('text 0 (messages[0].content): then allow, now allow_with_redaction');
    expect(stdout).toContain('pii.email');
    expect(stdout).toContain('content not kept');
    expect((await policy(['explain', '--decision', `dec_${'cd'.repeat(16)}`, '--audit', audit])).code).toBe(2);
  }, 120_000);
});
