// readJsonObjectBody: the byte limit (declared and streamed), JSON and object checks, the nesting
// limit, and jsonNestingDepth's string-aware scan.

import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors.ts';
import { MAX_JSON_DEPTH, jsonNestingDepth, readJsonObjectBody } from '../../src/http/json-body.ts';

const URL = 'http://proxy.test/v1/chat/completions';

function request(body: NonNullable<RequestInit['body']>, headers: Record<string, string> = {}): Request {
  return new Request(URL, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
}

/** A body that arrives in the given chunks, with no Content-Length; records how many were pulled. */
function streamed(chunks: Uint8Array[]): { request: Request; pulled: () => number } {
  let index = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[index++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { request: request(stream), pulled: () => index };
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('readJsonObjectBody', () => {
  it('parses a JSON object and keeps every field', async () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], vendor: { nested: [1, null, true] } };
    expect(await readJsonObjectBody(request(JSON.stringify(body)), 1024)).toEqual(body);
  });

  it('refuses a declared Content-Length over the limit with 413 without reading the body', async () => {
    const declared = request('{}', { 'content-length': '4096' });
    const error = await failure(readJsonObjectBody(declared, 1024));
    expect(error).toMatchObject({ status: 413, code: 'request_too_large', message: 'Request body is larger than the limit of 1024 bytes.' });
    expect(declared.bodyUsed).toBe(false);
  });

  it('reads a body with a declared Content-Length whole, and refuses one that fails before its end with 400', async () => {
    const text = JSON.stringify({ input: 'hello' });
    expect(await readJsonObjectBody(request(text, { 'content-length': String(text.length) }), 1024)).toEqual({ input: 'hello' });
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"input":'));
        controller.error(new Error('connection reset'));
      },
    });
    const error = await failure(readJsonObjectBody(request(broken, { 'content-length': '40' }), 1024));
    expect(error).toMatchObject({ status: 400, code: 'request_body_incomplete' });
  });

  it('refuses with 413 a body longer than the limit behind a Content-Length that understates it', async () => {
    const error = await failure(readJsonObjectBody(request(JSON.stringify({ t: 'x'.repeat(2000) }), { 'content-length': '10' }), 1024));
    expect(error).toMatchObject({ status: 413, code: 'request_too_large' });
  });

  it('counts streamed bytes when Content-Length is absent, and stops reading past the limit', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(600));
    const { request: stream, pulled } = streamed([chunk, chunk, chunk, chunk]);
    const error = await failure(readJsonObjectBody(stream, 1024));
    expect(error).toMatchObject({ status: 413, code: 'request_too_large' });
    expect(pulled()).toBeLessThan(4);
  });

  it('measures the limit in bytes, not characters', async () => {
    const text = JSON.stringify({ t: '€'.repeat(10) }); // 38 bytes, 18 characters
    expect(new TextEncoder().encode(text).byteLength).toBe(38);
    expect(await readJsonObjectBody(request(text), 38)).toEqual({ t: '€'.repeat(10) });
    expect(await failure(readJsonObjectBody(request(text), 37))).toMatchObject({ status: 413 });
  });

  it('decodes a multi-byte character split across chunks', async () => {
    const bytes = new TextEncoder().encode('{"t":"€"}');
    const { request: stream } = streamed([bytes.slice(0, 7), bytes.slice(7)]);
    expect(await readJsonObjectBody(stream, 1024)).toEqual({ t: '€' });
  });

  it.each([
    ['malformed JSON', '{"model": "gpt-4o", '],
    ['an empty body', ''],
  ])('answers %s with 400 and OpenAI’s parse message', async (_case, text) => {
    const error = await failure(readJsonObjectBody(request(text), 1024));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: null, param: null });
    expect(error.message).toBe('We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it.each(['[1, 2]', 'null', '42', '"text"'])('answers the non-object JSON %s with 400', async (text) => {
    const error = await failure(readJsonObjectBody(request(text), 1024));
    expect(error).toMatchObject({ status: 400, message: 'The request body must be a JSON object.' });
  });

  it('accepts nesting up to the limit and refuses one level more with request_too_deep', async () => {
    const nested = (depth: number) => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    expect(await readJsonObjectBody(request(nested(MAX_JSON_DEPTH)), 1024)).toHaveProperty('a');
    const error = await failure(readJsonObjectBody(request(nested(MAX_JSON_DEPTH + 1)), 1024));
    expect(error).toMatchObject({ status: 400, code: 'request_too_deep', message: `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.` });
  });
});

describe('jsonNestingDepth', () => {
  it('counts objects and arrays alike', () => {
    expect(jsonNestingDepth('{}')).toBe(1);
    expect(jsonNestingDepth('{"a":[{"b":[]}],"c":{}}')).toBe(4);
    expect(jsonNestingDepth('7')).toBe(0);
  });

  it('ignores brackets inside strings, including after escaped quotes and backslashes', () => {
    expect(jsonNestingDepth('{"a":"[[[{{{"}')).toBe(1);
    expect(jsonNestingDepth('{"a":"\\"[[[\\"","b":"\\\\"}')).toBe(1);
    expect(jsonNestingDepth('{"a":"\\\\","b":[[]]}')).toBe(3);
  });

  it('agrees with a character-by-character scan on random JSON-like texts', () => {
    const reference = (text: string) => {
      let depth = 0, deepest = 0, inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
        else if (c === '}' || c === ']') depth--;
      }
      return deepest;
    };
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: 1 + Math.floor(next() * 40) }, () => '{}[]"\\a,:'[Math.floor(next() * 10)]).join('');
      expect(jsonNestingDepth(text), text).toBe(reference(text));
    }
  });
});
