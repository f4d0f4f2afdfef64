// Client-chosen fields in the proxy's log, through the real server: an email in X-Guard-Tags and a
// 1 MB model name leave a bounded access line without the email; a phone number in X-Request-Id
// is masked too, and audit records carry the masked tags. The answer itself is unaffected.

import { describe, expect, it } from 'vitest';
import { CLIENT_FIELD_CHARS } from '../../src/logging/safe-logger.ts';
import type { AuditRecord } from '../../src/ops/audit.ts';
import { ACME_KEY, useTestStack } from '../helpers/server.ts';

const audited: AuditRecord[] = [];
const stack = useTestStack({ ops: { audit: { write: (record) => void audited.push(record) } } });

function accessLine(requestIdPart: string): Record<string, unknown> {
  const lines = stack.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === 'request');
  const line = lines.find((entry) => String(entry['requestId']).includes(requestIdPart));
  expect(line).toBeDefined();
  return line!;
}

describe('logged client fields', () => {
  it('bounds a 1 MB model name and masks an email in X-Guard-Tags', async () => {
    const model = `gpt-4o-mini${'-x'.repeat(500_000)}`;
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json', 'x-guard-tags': 'team-search, jane.doe@example.com', 'x-request-id': 'req-log-fields-1' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
    });
    await response.text();
    const all = stack.logLines.join('\n');
    expect(all).not.toContain('jane.doe@example.com');
    expect(all).not.toContain('-x'.repeat(CLIENT_FIELD_CHARS));
    const line = accessLine('req-log-fields-1');
    expect(line['tags']).toEqual(['team-search', '[EMAIL]']);
    expect(JSON.stringify(line).length).toBeLessThan(2_000);
    expect(response.status).toBe(200);
    expect(String(line['model'])).toBe(`${model.slice(0, CLIENT_FIELD_CHARS)}…(${model.length} chars)`);
  });

  it('masks a phone number sent as the request id, and still answers', async () => {
    const completion = await stack.client(ACME_KEY, { 'x-request-id': '555-867-5309', 'x-guard-tags': 'a@b.example.org' }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0]!.message.content).toBe('You said: hello');
    const all = stack.logLines.join('\n');
    expect(all).not.toContain('555-867-5309');
    expect(all).not.toContain('a@b.example.org');
    expect(accessLine('[PHONE]')['tags']).toEqual(['[EMAIL]']);
    // The audit record of the same request carries the tags masked the same way.
    const records = audited.filter((record) => record.tags.includes('[EMAIL]'));
    expect(records.length).toBeGreaterThan(0);
    expect(JSON.stringify(audited)).not.toContain('a@b.example.org');
  });
});
