import { describe, expect, it } from 'vitest';
import { createPlaceholderVault } from '../../src/guard/redaction.ts';
import { restoreStreamedPlaceholders } from '../../src/guardrails/stream-restore.ts';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}`;

describe('restoreStreamedPlaceholders', () => {
  const vault = createPlaceholderVault();
  const token = vault.tokenFor('EMAIL', 'jane@example.com');

  it('restores a token split across events', async () => {
    const half = Math.floor(token.length / 2);
    const out = await readAll(restoreStreamedPlaceholders(streamOf([`${chunk(`Mail ${token.slice(0, half)}`)}\n\n`, `${chunk(token.slice(half), 'stop')}\n\ndata: [DONE]\n\n`]), vault));
    expect(out).toContain('jane@example.com');
    expect(out).not.toContain(token.slice(0, half));
  });

  it('handles CRLF event boundaries, even with the CR and LF in different chunks', async () => {
    const body = `${chunk(`Mail ${token}`, 'stop')}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const cut = body.indexOf('\r\n') + 1; // between a CR and its LF
    const out = await readAll(restoreStreamedPlaceholders(streamOf([body.slice(0, cut), body.slice(cut)]), vault));
    expect(out).toBe(`${chunk('Mail jane@example.com', 'stop')}\n\ndata: [DONE]\n\n`);
  });
});
