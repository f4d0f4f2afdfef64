// The streamed-answer guard on its own, over hand-made SSE bytes: events released in order (CRLF
// boundaries too), placeholders restored across chunks, a malformed event ends the stream with an
// error event, and the work stays linear: every character is checked a bounded number of times.

import { describe, expect, it } from 'vitest';
import { createGuard } from '../../src/guard/cascade.ts';
import { createPlaceholderVault, type PlaceholderVault } from '../../src/guard/redaction.ts';
import { guardStreamedAnswer } from '../../src/guardrails/stream-guard.ts';
import { fakeBuildDetectors, fakeClassifier, scoresFromMarkers, shippedProfiles } from '../guard/fakes.ts';

const shipped = shippedProfiles();

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

const event = (content: string, finish: string | null = null) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}`;

function guarded(chunks: string[], options: { vault?: PlaceholderVault; holdBackChars?: number } = {}) {
  const { classifier, calls } = fakeClassifier(scoresFromMarkers);
  const guard = createGuard({ profile: shipped.get('default')!, buildDetectors: fakeBuildDetectors().build, classifier, policyVersion: 'v', now: () => 0 });
  const stream = guardStreamedAnswer(streamOf(chunks), {
    guard,
    endpoint: 'chat.completions',
    softBlock: 'block',
    vault: options.vault ?? createPlaceholderVault(),
    holdBackChars: options.holdBackChars ?? 64,
    idleTimeoutMs: 5_000,
    choices: 1,
    extensions: () => ({ policy_detections: 'reported' }),
  });
  return { text: () => new Response(stream).text(), calls };
}

describe('guardStreamedAnswer', () => {
  it('restores a placeholder split across events', async () => {
    const vault = createPlaceholderVault();
    const token = vault.tokenFor('EMAIL', 'jane@example.com');
    const half = Math.floor(token.length / 2);
    const out = await guarded([`${event(`Mail ${token.slice(0, half)}`)}\n\n`, `${event(token.slice(half), 'stop')}\n\ndata: [DONE]\n\n`], { vault }).text();
    expect(out).toContain('jane@example.com');
    expect(out).not.toContain(token.slice(0, half));
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('handles CRLF event boundaries, even with the CR and LF in different chunks', async () => {
    const body = `${event('Hello there', 'stop')}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const cut = body.indexOf('\r\n') + 1;
    expect(await guarded([body.slice(0, cut), body.slice(cut)]).text()).toBe(`${event('Hello there', 'stop')}\n\ndata: [DONE]\n\n`);
  });

  it('ends the stream with an error event in OpenAI’s shape on a malformed event', async () => {
    const out = await guarded([`${event('fine')}\n\ndata: {not json\n\n`]).text();
    expect(out).toContain('event: error\ndata: {"error":{"message":"The upstream sent a malformed stream event."');
    expect(out).not.toContain('[DONE]');
  });

  it('ends the stream with the same error event on an event nested too deep to clone or serialise', async () => {
    const deep = `data: {"choices":[{"index":0,"delta":{"content":"x"},"extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}\n\n`;
    const out = await guarded([`${event('fine')}\n\n`, deep]).text();
    expect(out).toContain('event: error\ndata: {"error":{"message":"The upstream sent a malformed stream event."');
    expect(out).not.toContain('[DONE]');
  });

  it('checks each character a bounded number of times, however small the chunks: work linear in the answer', async () => {
    const checkedFor = async (repeats: number) => {
      const text = 'All calm words here, nothing to see. '.repeat(repeats);
      const chunks = [...text].map((ch) => `${event(ch)}\n\n`);
      const { text: read, calls } = guarded([...chunks, `${event('', 'stop')}\n\ndata: [DONE]\n\n`], { holdBackChars: 64 });
      const out = await read();
      expect(out.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content).join('')).toBe(text);
      return { chars: text.length, checked: calls.flat().reduce((sum, t) => sum + t.length, 0) };
    };
    const once = await checkedFor(150);
    const twice = await checkedFor(300);
    // Each check reads the overlap, the hold-back and one step of new text (64 + 64 + 32): 5× per character at most.
    expect(twice.checked).toBeLessThanOrEqual(twice.chars * 5 + 200);
    expect(twice.checked / once.checked).toBeLessThan(2.1);
  });

  it('redacts a streamed answer exactly as the non-streamed path redacts the whole text', async () => {
    const text = `${'Some ordinary words. '.repeat(20)}Mail jane.doe@example.com, key AKIAIOSFODNN7EXAMPLE, ${'and more words. '.repeat(20)}`;
    const { classifier } = fakeClassifier(scoresFromMarkers);
    const guard = createGuard({ profile: shipped.get('default')!, buildDetectors: fakeBuildDetectors().build, classifier, policyVersion: 'v', now: () => 0 });
    const [whole] = await guard.check([text], 'output');
    for (const size of [1, 3, 5]) {
      const pieces = Array.from({ length: Math.ceil(text.length / size) }, (_, i) => `${event(text.slice(i * size, i * size + size))}\n\n`);
      const out = await guarded([...pieces, `${event('', 'stop')}\n\ndata: [DONE]\n\n`]).text();
      const relayed = out.split('\n\n').filter((e) => e.startsWith('data: {') && !e.includes('policy_detections')).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content).join('');
      expect(relayed, `chunks of ${size}`).toBe(whole!.redactedText);
    }
  });
});
