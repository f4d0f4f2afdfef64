// Puts placeholder originals back into a streamed OpenAI answer (SSE) as it is relayed: parses
// each `data:` event, runs every choice's delta text (`delta.content` for chat, `text` for
// completions) through a StreamingRestorer per choice, since a token like `[EMAIL_1]` may be split
// across chunks. Events that are not JSON chunks pass through unchanged.

import { isJsonObject, type JsonObject } from '../http/json.ts';
import { createStreamingRestorer, type PlaceholderVault, type StreamingRestorer } from '../guard/redaction.ts';

export function restoreStreamedPlaceholders(stream: ReadableStream<Uint8Array>, vault: PlaceholderVault): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const restorers = new Map<number, StreamingRestorer>();
  const restorerFor = (index: number) => {
    let restorer = restorers.get(index);
    if (!restorer) restorers.set(index, (restorer = createStreamingRestorer(vault)));
    return restorer;
  };
  let buffered = '';
  /** A chunk that ends in CR may be half of a CRLF: hold the CR until the next chunk decides. */
  let pendingCR = '';
  /** SSE lines end in CRLF, LF or CR (WHATWG HTML, "Parsing an event stream"); relay them as LF. */
  const appendText = (text: string, final: boolean) => {
    let joined = pendingCR + text;
    pendingCR = '';
    if (!final && joined.endsWith('\r')) {
      pendingCR = '\r';
      joined = joined.slice(0, -1);
    }
    buffered += joined.replace(/\r\n?/g, '\n');
  };

  function rewriteChoice(choice: JsonObject): void {
    const index = typeof choice['index'] === 'number' ? choice['index'] : 0;
    const restorer = restorerFor(index);
    const finished = choice['finish_reason'] !== null && choice['finish_reason'] !== undefined;
    const delta = choice['delta'];
    if (isJsonObject(delta)) {
      const piece = typeof delta['content'] === 'string' ? restorer.push(delta['content']) : '';
      const text = finished ? piece + restorer.flush() : piece;
      if (typeof delta['content'] === 'string' || text !== '') delta['content'] = text;
    } else if (typeof choice['text'] === 'string') {
      const piece = restorer.push(choice['text']);
      choice['text'] = finished ? piece + restorer.flush() : piece;
    }
  }

  function rewriteEvent(event: string): string {
    const lines = event.split('\n');
    return lines
      .map((line) => {
        if (!line.startsWith('data:')) return line;
        const payload = line.slice(5).trim();
        if (payload === '[DONE]') return line;
        let chunk: unknown;
        try {
          chunk = JSON.parse(payload);
        } catch {
          return line;
        }
        if (!isJsonObject(chunk) || !Array.isArray(chunk['choices'])) return line;
        for (const choice of chunk['choices']) if (isJsonObject(choice)) rewriteChoice(choice);
        return `data: ${JSON.stringify(chunk)}`;
      })
      .join('\n');
  }

  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(bytes, controller) {
        appendText(decoder.decode(bytes, { stream: true }), false);
        let end = buffered.indexOf('\n\n');
        while (end >= 0) {
          controller.enqueue(encoder.encode(`${rewriteEvent(buffered.slice(0, end))}\n\n`));
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf('\n\n');
        }
      },
      flush(controller) {
        appendText(decoder.decode(), true);
        if (buffered !== '') controller.enqueue(encoder.encode(rewriteEvent(buffered)));
      },
    }),
  );
}
