// Hostile request bodies through the real server: deep nesting, oversized bodies, lying
// Content-Length and invalid UTF-8 all get an OpenAI error envelope, never a 500, and nothing
// reaches the upstream.

import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonNestingDepth } from '../../src/http/json-body.ts';
import { ACME_KEY, useTestStack } from '../helpers/server.ts';

const stack = useTestStack({ limits: { maxBodyBytes: 64 * 1024 } });

async function post(body: string | Uint8Array, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as { error: { type: string; code: string | null; message: string } } };
}

const chat = (extra: string) => `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"extra":${extra}}`;

describe('hostile bodies', () => {
  it('refuses a deeply nested body with 400 before anything goes upstream', async () => {
    const depth = 20_000;
    const { status, body } = await post(chat('['.repeat(depth) + ']'.repeat(depth)));
    expect(status).toBe(400);
    expect(body.error.code).toBe('request_too_deep');
    expect(stack.upstream.requests).toHaveLength(0);
  });

  it('still forwards nesting within the limit untouched', async () => {
    const depth = MAX_JSON_DEPTH - 4;
    const { status } = await post(chat('['.repeat(depth) + ']'.repeat(depth)));
    expect(status).toBe(200);
    expect(stack.upstream.requests).toHaveLength(1);
  });

  it('answers an oversized body with 413 whether or not Content-Length tells the truth', async () => {
    const big = chat(JSON.stringify('x'.repeat(100 * 1024)));
    expect((await post(big)).status).toBe(413);
    const stream = new Blob([big]).stream();
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(stack.upstream.requests).toHaveLength(0);
  });

  it('decodes invalid UTF-8 to replacement characters, which the input sanity check blocks', async () => {
    const bytes = Buffer.concat([Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}]}')]);
    const { status, body } = await post(bytes);
    expect(status).toBe(400);
    expect(body.error.code).toBe('content_policy_violation');
    expect(body.error.message).toContain('sanity.replacement_chars');
    expect(stack.upstream.requests).toHaveLength(0);
  });
});

describe('jsonNestingDepth', () => {
  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingDepth('{"a":"[[[[\\"[[[","b":[{}]}')).toBe(3);
    expect(jsonNestingDepth('"plain"')).toBe(0);
  });
});
