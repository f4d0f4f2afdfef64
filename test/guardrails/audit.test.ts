// The audit log in memory: one record per guard decision (input, output, moderation) with the
// right identities, digests, scores and rule ids, no content unless the tenant opted in, and the
// decision id the client got in the header and in policy_detections.

import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/digest.ts';
import { createProxyGuardrails } from '../../src/guardrails/proxy-guardrails.ts';
import { DECISION_ID, type AuditRecord } from '../../src/ops/audit.ts';
import { staticPolicySource } from '../../src/policy/store.ts';
import { createTestApp } from '../helpers/app.ts';
import { twoTenantsPolicyFiles } from '../helpers/policy-files.ts';
import { GLOBEX_KEY } from '../helpers/server.ts';

const SECRET_TEXT = 'my private question about invoice 4471';

const sseAnswer = () => {
  const chunk = (content: string, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: finish }] })}\n\n`;
  return new Response(`${chunk('Streamed ', null)}${chunk('answer here', 'stop')}data: [DONE]\n\n`, { headers: { 'content-type': 'text/event-stream' } });
};

async function auditedApp(globexContent?: 'redacted' | 'full', upstream?: () => Response) {
  const records: AuditRecord[] = [];
  const audit = { write: (record: AuditRecord) => void records.push(record) };
  const files = twoTenantsPolicyFiles().map((file) =>
    globexContent && file.path === 'tenants/globex.yaml' ? { ...file, content: `${file.content}audit:\n  include_content: ${globexContent}\n` } : file,
  );
  const testApp = await createTestApp({ source: staticPolicySource(files), guardrails: createProxyGuardrails({ audit }), audit, ...(upstream ? { upstream } : {}) });
  return { testApp, records };
}

describe('audit records', () => {
  it('writes one input and one output record per chat call, without the content, keyed by the decision id', async () => {
    const { testApp, records } = await auditedApp();
    const response = await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: SECRET_TEXT }] }, { 'x-guard-tags': 'team:billing' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { policy_detections: { decision_id: string } };
    const decisionId = response.headers.get('x-guard-decision-id');
    expect(decisionId).toMatch(DECISION_ID);
    expect(body.policy_detections.decision_id).toBe(decisionId);

    expect(records.map((r) => r.direction)).toEqual(['input', 'output']);
    const [input, output] = records as [AuditRecord, AuditRecord];
    expect(input).toMatchObject({
      log: 'audit',
      decision_id: decisionId,
      request_id: response.headers.get('x-request-id'),
      tenant: 'acme',
      deployment: 'main',
      tags: ['team:billing'],
      endpoint: 'chat.completions',
      direction: 'input',
      profile: 'default',
      policy_version: testApp.policies.current().version,
      model_version: 'fake-keyword-classifier-1',
      decision: 'allow',
      enforcement: 'pass',
      streamed: false,
    });
    expect(Number.isNaN(Date.parse(input.time))).toBe(false);
    expect(Object.keys(input.latency_ms).sort()).toEqual(['classifier', 'judge', 'prefilters']);
    expect(input.texts).toHaveLength(1);
    expect(input.texts[0]).toMatchObject({ param: 'messages[0].content', sha256: sha256Hex(SECRET_TEXT), chars: SECRET_TEXT.length, decision: 'allow', classifier_status: 'scored', judge: { used: false } });
    expect(Object.keys(input.texts[0]!.scores)).toHaveLength(13);
    expect(input.texts[0]).not.toHaveProperty('content');
    expect(output.decision_id).toBe(decisionId);
    expect(output.texts[0]).toMatchObject({ sha256: sha256Hex(`You said: ${SECRET_TEXT}`), param: 'choices[0].message.content' });
    expect(JSON.stringify(records)).not.toContain('invoice 4471');
  });

  it('records a block with its categories, scores and rule ids, and the 400 carries the same decision id', async () => {
    const { testApp, records } = await auditedApp();
    const response = await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'threat text [violence=0.97]' }] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { policy_detections: { decision_id: string } };
    expect(body.policy_detections.decision_id).toBe(response.headers.get('x-guard-decision-id'));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ decision_id: body.policy_detections.decision_id, direction: 'input', decision: 'block', enforcement: 'block' });
    expect(records[0]!.texts[0]).toMatchObject({ decision: 'block', rule_ids: ['classifier.violence'], detections: [{ rule_id: 'classifier.violence', category: 'violence', action: 'block', enforced: true }] });
    expect(records[0]!.texts[0]!.scores['violence']).toBeCloseTo(0.97, 4);
  });

  it('keeps the content only for a tenant that opted in: full as checked, redacted after redaction', async () => {
    for (const mode of ['full', 'redacted'] as const) {
      const { testApp, records } = await auditedApp(mode);
      const text = 'write to jane.doe@example.com about it';
      const response = await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] }, { authorization: `Bearer ${GLOBEX_KEY}` });
      expect(response.status).toBe(200);
      const input = records.find((r) => r.direction === 'input')!;
      expect(input.tenant).toBe('globex');
      expect(input.texts[0]!.content_mode).toBe(mode);
      if (mode === 'full') expect(input.texts[0]!.content).toBe(text);
      else expect(input.texts[0]!.content).toBe('write to [EMAIL] about it');
      // acme did not opt in: its records stay content-free in the same app.
      await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] });
      expect(records.filter((r) => r.tenant === 'acme').every((r) => r.texts.every((t) => t.content === undefined))).toBe(true);
    }
  });

  it('audits /v1/moderations and returns its decision id', async () => {
    const { testApp, records } = await auditedApp();
    const response = await testApp.post('/v1/moderations', { input: ['hello', 'I will kill you'] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { decision_id: string };
    expect(body.decision_id).toMatch(DECISION_ID);
    expect(response.headers.get('x-guard-decision-id')).toBe(body.decision_id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ endpoint: 'moderations', decision_id: body.decision_id, texts: [{ param: null }, { param: null }] });
    expect(JSON.stringify(records)).not.toContain('kill');
  });

  it('audits a streamed answer once it has ended, over the whole relayed text', async () => {
    const { testApp, records } = await auditedApp(undefined, sseAnswer);
    const response = await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream please' }] });
    expect(response.status).toBe(200);
    const decisionId = response.headers.get('x-guard-decision-id');
    expect(decisionId).toMatch(DECISION_ID);
    await response.text();
    expect(records.map((r) => [r.direction, r.streamed, r.decision_id])).toEqual([
      ['input', false, decisionId],
      ['output', true, decisionId],
    ]);
    expect(records[1]!.texts.at(-1)).toMatchObject({ param: 'choices[0].delta.content', sha256: sha256Hex('Streamed answer here') });
  });
});
