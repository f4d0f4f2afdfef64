// Output guardrails on a streamed answer (SSE): every text delta of every choice (content, refusal,
// reasoning, tool-call arguments; `text` on completions) is checked before it is relayed. Per choice
// and field the text accumulates; only a hold-back tail that a pattern or classifier window could
// still change waits, and each check reads the new text plus an overlap of the same length, so the
// work stays linear in the answer. Upstream events are released in order once all their text is
// decided: untouched events byte for byte, others rewritten with redactions (and placeholders put
// back). A block ends its choice with finish_reason `content_filter` and `policy_detections`.
// The text checks live in stream-text.ts and the read loop in sse-relay.ts, shared with the
// Responses stream guard; this file is the chat/completions chunk shape.

import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import type { GuardedEndpoint } from './seam.ts';
import { eventData, parseEventObject } from './sse.ts';
import { relayGuardedSse, type SseRelayControl } from './sse-relay.ts';
import { createStreamTextChecker, type GuardedStreamOptions, type Piece } from './stream-text.ts';

export interface StreamGuardOptions extends GuardedStreamOptions {
  readonly endpoint: GuardedEndpoint;
  /** How many choices the request asked for (`n`). */
  readonly choices: number;
}

interface QueuedEvent {
  readonly raw: string;
  readonly chunk: JsonObject | null;
  readonly pieces: Piece[];
  /** Choice indexes this event finishes (a non-null finish_reason). */
  readonly finishes: number[];
}

/** An SSE error event in OpenAI's error shape; the official SDKs raise it as an APIError. */
export function errorEvent(message: string, code: string): string {
  return `event: error\ndata: ${JSON.stringify({ error: { message, type: 'upstream_error', param: null, code } })}\n\n`;
}

export function guardStreamedAnswer(upstream: ReadableStream<Uint8Array>, options: StreamGuardOptions): ReadableStream<Uint8Array> {
  const { endpoint } = options;
  // Each choice is a group: a block ends that choice only.
  const texts = createStreamTextChecker(options);
  const queue: QueuedEvent[] = [];
  let usage: string | null = null;
  let sawDone = false;
  let template: JsonObject | null = null;

  const allBlocked = () => texts.groups.size >= options.choices && [...texts.groups.values()].every((c) => c.blocked);

  /** The text fields of one parsed chunk, each as a piece of its choice's running text. */
  function piecesOf(chunk: JsonObject): { pieces: Piece[]; finishes: number[] } {
    const pieces: Piece[] = [];
    const finishes: number[] = [];
    const list = Array.isArray(chunk['choices']) ? chunk['choices'] : [];
    for (const choice of list) {
      if (!isJsonObject(choice)) continue;
      const index = typeof choice['index'] === 'number' ? choice['index'] : 0;
      const base = `choices[${index}]`;
      if (endpoint === 'completions') {
        if (typeof choice['text'] === 'string') pieces.push(texts.piece(index, 'text', `${base}.text`, choice['text'], (t) => (choice['text'] = t)));
      } else if (isJsonObject(choice['delta'])) {
        const delta = choice['delta'];
        for (const key of ['content', 'refusal', 'reasoning_content', 'reasoning']) {
          const value = delta[key];
          if (typeof value === 'string') pieces.push(texts.piece(index, key, `${base}.delta.${key}`, value, (t) => (delta[key] = t)));
        }
        const toolCalls = Array.isArray(delta['tool_calls']) ? delta['tool_calls'] : [];
        toolCalls.forEach((call, position) => {
          const fn = isJsonObject(call) && isJsonObject(call['function']) ? call['function'] : null;
          if (!fn || typeof fn['arguments'] !== 'string') return;
          const callIndex = isJsonObject(call) && typeof call['index'] === 'number' ? call['index'] : position;
          const key = `tool_calls[${callIndex}].function.arguments`;
          pieces.push(texts.piece(index, key, `${base}.delta.${key}`, fn['arguments'], (t) => (fn['arguments'] = t)));
        });
      }
      if (choice['finish_reason'] !== null && choice['finish_reason'] !== undefined) finishes.push(index);
    }
    return { pieces, finishes };
  }

  function finishChunk(index: number, extensions: Record<string, JsonValue>): string {
    const choice: JsonObject =
      endpoint === 'completions'
        ? { index, text: '', logprobs: null, finish_reason: 'content_filter' }
        : { index, delta: {}, logprobs: null, finish_reason: 'content_filter' };
    return `data: ${JSON.stringify({ ...pick(template), choices: [choice], ...extensions })}\n\n`;
  }

  function emit(control: SseRelayControl, event: QueuedEvent): void {
    if (!event.chunk) return control.enqueue(`${event.raw}\n\n`);
    const chunk = event.chunk;
    let changed = false;
    const list = Array.isArray(chunk['choices']) ? chunk['choices'] : [];
    const kept = list.filter((c) => !(isJsonObject(c) && texts.group(typeof c['index'] === 'number' ? c['index'] : 0).blocked));
    if (kept.length !== list.length) {
      if (kept.length === 0) return;
      chunk['choices'] = kept;
      changed = true;
    }
    for (const p of event.pieces) {
      if (texts.group(p.field.group).blocked) continue;
      const text = texts.render(p);
      if (text !== p.field.text.slice(p.start, p.end)) {
        p.write(text);
        changed = true;
      }
    }
    for (const index of event.finishes) {
      const rest = texts.flush(index);
      if (rest === '') continue;
      const target = kept.find((c) => isJsonObject(c) && (c['index'] ?? 0) === index) as JsonObject | undefined;
      if (target && endpoint === 'completions') target['text'] = `${String(target['text'] ?? '')}${rest}`;
      else if (target && isJsonObject(target['delta'])) target['delta']['content'] = `${String(target['delta']['content'] ?? '')}${rest}`;
      changed = true;
    }
    control.enqueue(changed ? `data: ${JSON.stringify(chunk)}\n\n` : `${event.raw}\n\n`);
  }

  function release(control: SseRelayControl): void {
    while (queue.length > 0) {
      const head = queue[0]!;
      if (!head.pieces.every((p) => texts.decided(p))) return;
      queue.shift();
      emit(control, head);
    }
  }

  /** Ends choices that were blocked since the last call with their content_filter chunk. */
  const announced = new Set<number>();
  function announceBlocks(control: SseRelayControl): void {
    for (const [index, state] of texts.groups) {
      if (!state.blocked || announced.has(index)) continue;
      announced.add(index);
      control.enqueue(finishChunk(index, options.extensions(texts.reported, texts.reportedParams)));
    }
  }

  async function handle(control: SseRelayControl, events: readonly string[]): Promise<boolean> {
    for (const raw of events) {
      const data = eventData(raw);
      if (data === null) {
        queue.push({ raw, chunk: null, pieces: [], finishes: [] });
        continue;
      }
      if (data.trim() === '[DONE]') {
        sawDone = true;
        continue;
      }
      const parsed = parseEventObject(data);
      if (!parsed) return control.fail('The upstream sent a malformed stream event.', 'upstream_invalid_response');
      template ??= parsed;
      if (Array.isArray(parsed['choices']) && parsed['choices'].length === 0 && parsed['usage'] !== undefined) {
        usage = raw;
        continue;
      }
      const { pieces, finishes } = piecesOf(parsed);
      queue.push({ raw, chunk: parsed, pieces, finishes });
      await texts.check(texts.due((field) => finishes.includes(field.group)));
      announceBlocks(control);
      release(control);
      if (allBlocked()) return finish(control, false);
    }
    return false;
  }

  /** Upstream ended: decide every remaining text, then the report, the usage chunk and [DONE]. */
  async function finish(control: SseRelayControl, upstreamEnded: boolean): Promise<boolean> {
    if (upstreamEnded) {
      await texts.check(texts.due(() => true));
      announceBlocks(control);
      release(control);
      // A placeholder fragment still held by a restorer (a choice that never sent finish_reason).
      for (const [index, state] of texts.groups) {
        const rest = state.blocked ? '' : texts.flush(index);
        if (rest === '') continue;
        const choice = endpoint === 'completions' ? { index, text: rest, logprobs: null, finish_reason: null } : { index, delta: { content: rest }, logprobs: null, finish_reason: null };
        control.enqueue(`data: ${JSON.stringify({ ...pick(template), choices: [choice] })}\n\n`);
      }
    } else {
      await control.cancelUpstream('blocked by the output guardrails');
      queue.length = 0;
    }
    const anyBlocked = [...texts.groups.values()].some((c) => c.blocked);
    if (!anyBlocked && (texts.reported.length > 0 || texts.warned()) && template) {
      control.enqueue(`data: ${JSON.stringify({ ...pick(template), choices: [], ...options.extensions(texts.reported, texts.reportedParams) })}\n\n`);
    }
    if (usage !== null) control.enqueue(`${usage}\n\n`);
    if (sawDone || !upstreamEnded) control.enqueue('data: [DONE]\n\n');
    texts.finish();
    return control.close();
  }

  return relayGuardedSse(upstream, {
    idleTimeoutMs: options.idleTimeoutMs,
    errorEvent,
    onEvents: handle,
    onEnd: async (control) => void (await finish(control, true)),
  });
}

/** The fields every chunk repeats (id, object, created, model...), for the chunks we add. */
function pick(template: JsonObject | null): JsonObject {
  if (!template) return {};
  const out: JsonObject = {};
  for (const key of ['id', 'object', 'created', 'model', 'system_fingerprint']) if (template[key] !== undefined) out[key] = template[key]!;
  return out;
}
