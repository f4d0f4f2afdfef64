// Output guardrails on a streamed answer (SSE): every text delta of every choice (content, refusal,
// reasoning, tool-call arguments; `text` on completions) is checked before it is relayed. Per choice
// and field the text accumulates; only a hold-back tail that a pattern or classifier window could
// still change waits, and each check reads the new text plus an overlap of the same length, so the
// work stays linear in the answer. Upstream events are released in order once all their text is
// decided: untouched events byte for byte, others rewritten with redactions (and placeholders put
// back). A block ends its choice with finish_reason `content_filter` and `policy_detections`.

import { enforcementOf } from '../guard/decision.ts';
import { createStreamingRestorer, type PlaceholderVault, type Redaction, type StreamingRestorer } from '../guard/redaction.ts';
import type { Detection, Guard, Verdict } from '../guard/types.ts';
import { jsonNestingDepth, MAX_JSON_DEPTH } from '../http/json-body.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import type { GuardedEndpoint } from './seam.ts';
import { createSseSplitter, eventData } from './sse.ts';

export interface StreamGuardOptions {
  readonly guard: Guard;
  readonly endpoint: GuardedEndpoint;
  readonly softBlock: 'block' | 'warn';
  /** The request's vault: placeholders the upstream writes back are restored for the client. */
  readonly vault: PlaceholderVault;
  /** Characters of each text held back until later text can no longer change them; Infinity checks the whole answer first. */
  readonly holdBackChars: number;
  /** Longest wait for the next upstream chunk before the stream ends with an error event. */
  readonly idleTimeoutMs: number;
  /** How many choices the request asked for (`n`). */
  readonly choices: number;
  /** Top-level fields for the chunk that reports the output checks (`policy_detections`). */
  readonly extensions: (output: readonly Verdict[], outputParams: readonly string[]) => Record<string, JsonValue>;
}

interface FieldText {
  readonly choice: number;
  readonly param: string;
  text: string;
  /** text[0, committed) is decided: checked with at least the hold-back after it, or final. */
  committed: number;
  /** Redactions to apply, in field offsets, left to right. */
  readonly spans: Redaction[];
  spanCursor: number;
  restorer: StreamingRestorer | null;
}

interface Piece {
  readonly field: FieldText;
  readonly start: number;
  readonly end: number;
  readonly write: (text: string) => void;
}

interface QueuedEvent {
  readonly raw: string;
  readonly chunk: JsonObject | null;
  readonly pieces: Piece[];
  /** Choice indexes this event finishes (a non-null finish_reason). */
  readonly finishes: number[];
}

interface ChoiceState {
  readonly fields: Map<string, FieldText>;
  blocked: boolean;
}

const encoder = new TextEncoder();

/** An SSE error event in OpenAI's error shape; the official SDKs raise it as an APIError. */
function errorEvent(message: string, code: string): string {
  return `event: error\ndata: ${JSON.stringify({ error: { message, type: 'upstream_error', param: null, code } })}\n\n`;
}

class IdleTimeout extends Error {}

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

export function guardStreamedAnswer(upstream: ReadableStream<Uint8Array>, options: StreamGuardOptions): ReadableStream<Uint8Array> {
  const { guard, endpoint, vault, holdBackChars } = options;
  const overlap = Number.isFinite(holdBackChars) ? holdBackChars : 0;
  const step = Number.isFinite(holdBackChars) ? Math.max(1, Math.floor(holdBackChars / 2)) : Infinity;
  const reader = upstream.getReader();
  const splitter = createSseSplitter();
  const choices = new Map<number, ChoiceState>();
  const queue: QueuedEvent[] = [];
  const reported: Verdict[] = [];
  const reportedParams: string[] = [];
  let warned = false;
  let usage: string | null = null;
  let sawDone = false;
  let template: JsonObject | null = null;
  let closed = false;

  const choiceState = (index: number): ChoiceState => {
    let state = choices.get(index);
    if (!state) choices.set(index, (state = { fields: new Map(), blocked: false }));
    return state;
  };
  const allBlocked = () => choices.size >= options.choices && [...choices.values()].every((c) => c.blocked);

  function fieldFor(choice: number, key: string, param: string): FieldText {
    const state = choiceState(choice);
    let field = state.fields.get(key);
    if (!field) state.fields.set(key, (field = { choice, param, text: '', committed: 0, spans: [], spanCursor: 0, restorer: null }));
    return field;
  }

  function piece(choice: number, key: string, param: string, text: string, write: (text: string) => void): Piece {
    const field = fieldFor(choice, key, param);
    const start = field.text.length;
    field.text += text;
    return { field, start, end: field.text.length, write };
  }

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
        if (typeof choice['text'] === 'string') pieces.push(piece(index, 'text', `${base}.text`, choice['text'], (t) => (choice['text'] = t)));
      } else if (isJsonObject(choice['delta'])) {
        const delta = choice['delta'];
        for (const key of ['content', 'refusal', 'reasoning_content', 'reasoning']) {
          const value = delta[key];
          if (typeof value === 'string') pieces.push(piece(index, key, `${base}.delta.${key}`, value, (t) => (delta[key] = t)));
        }
        const toolCalls = Array.isArray(delta['tool_calls']) ? delta['tool_calls'] : [];
        toolCalls.forEach((call, position) => {
          const fn = isJsonObject(call) && isJsonObject(call['function']) ? call['function'] : null;
          if (!fn || typeof fn['arguments'] !== 'string') return;
          const callIndex = isJsonObject(call) && typeof call['index'] === 'number' ? call['index'] : position;
          const key = `tool_calls[${callIndex}].function.arguments`;
          pieces.push(piece(index, key, `${base}.delta.${key}`, fn['arguments'], (t) => (fn['arguments'] = t)));
        });
      }
      if (choice['finish_reason'] !== null && choice['finish_reason'] !== undefined) finishes.push(index);
    }
    return { pieces, finishes };
  }

  /** Spans and detections of a window's verdict in field offsets. */
  function shift(verdict: Verdict, from: number): Verdict {
    const move = <T extends { start: number; end: number }>(s: T): T => ({ ...s, start: s.start + from, end: s.end + from });
    const detections: Detection[] = verdict.detections.map((d) => (d.span ? { ...d, span: move(d.span) } : d));
    return { ...verdict, detections, redactions: verdict.redactions.map(move) };
  }

  /** Checks each field's undecided text (plus the overlap before it) and moves its committed mark. */
  async function check(due: ReadonlyArray<{ field: FieldText; final: boolean }>): Promise<void> {
    const windows = due.map(({ field, final }) => {
      const from = Math.max(0, field.committed - overlap);
      return { field, final, from, text: field.text.slice(from) };
    });
    const verdicts = await guard.check(windows.map((w) => w.text), 'output', { vault });
    windows.forEach(({ field, final, from }, i) => {
      const verdict = shift(verdicts[i]!, from);
      const state = choiceState(field.choice);
      if (state.blocked) return;
      const enforcement = enforcementOf(verdict.decision, options.softBlock);
      if (verdict.decision !== 'allow') {
        reported.push(verdict);
        reportedParams.push(field.param);
      }
      if (enforcement === 'block') {
        state.blocked = true;
        return;
      }
      if (enforcement === 'warn') warned = true;
      let commitTo = final ? field.text.length : Math.max(field.committed, field.text.length - holdBackChars);
      const fresh = verdict.redactions.filter((r) => r.start >= field.committed).sort((a, b) => a.start - b.start);
      // A redaction the commit mark would cut waits whole for the next check.
      for (const r of fresh) if (r.start < commitTo && r.end > commitTo) commitTo = r.start;
      for (const r of fresh) if (r.end <= commitTo) field.spans.push(r);
      field.committed = Math.max(field.committed, commitTo);
    });
  }

  /** A piece's text as the client gets it: redactions applied, placeholders put back. */
  function output(p: Piece): string {
    const { field } = p;
    while (field.spanCursor < field.spans.length && field.spans[field.spanCursor]!.end <= p.start) field.spanCursor++;
    let out = '';
    let position = p.start;
    for (let i = field.spanCursor; i < field.spans.length; i++) {
      const span = field.spans[i]!;
      if (span.start >= p.end) break;
      if (span.start >= position) out += field.text.slice(position, span.start) + span.replacement;
      position = Math.max(position, Math.min(p.end, span.end));
    }
    out += field.text.slice(position, p.end);
    if (vault.size === 0) return out;
    field.restorer ??= createStreamingRestorer(vault);
    return field.restorer.push(out);
  }

  function finishChunk(index: number, extensions: Record<string, JsonValue>): string {
    const choice: JsonObject =
      endpoint === 'completions'
        ? { index, text: '', logprobs: null, finish_reason: 'content_filter' }
        : { index, delta: {}, logprobs: null, finish_reason: 'content_filter' };
    return `data: ${JSON.stringify({ ...pick(template), choices: [choice], ...extensions })}\n\n`;
  }

  function emit(controller: ReadableStreamDefaultController<Uint8Array>, event: QueuedEvent): void {
    if (!event.chunk) return controller.enqueue(encoder.encode(`${event.raw}\n\n`));
    const chunk = event.chunk;
    let changed = false;
    const list = Array.isArray(chunk['choices']) ? chunk['choices'] : [];
    const kept = list.filter((c) => !(isJsonObject(c) && choiceState(typeof c['index'] === 'number' ? c['index'] : 0).blocked));
    if (kept.length !== list.length) {
      if (kept.length === 0) return;
      chunk['choices'] = kept;
      changed = true;
    }
    for (const p of event.pieces) {
      if (choiceState(p.field.choice).blocked) continue;
      const text = output(p);
      if (text !== p.field.text.slice(p.start, p.end)) {
        p.write(text);
        changed = true;
      }
    }
    for (const index of event.finishes) {
      const rest = [...choiceState(index).fields.values()].map((f) => f.restorer?.flush() ?? '').join('');
      if (rest === '') continue;
      const target = kept.find((c) => isJsonObject(c) && (c['index'] ?? 0) === index) as JsonObject | undefined;
      if (target && endpoint === 'completions') target['text'] = `${String(target['text'] ?? '')}${rest}`;
      else if (target && isJsonObject(target['delta'])) target['delta']['content'] = `${String(target['delta']['content'] ?? '')}${rest}`;
      changed = true;
    }
    controller.enqueue(encoder.encode(changed ? `data: ${JSON.stringify(chunk)}\n\n` : `${event.raw}\n\n`));
  }

  function release(controller: ReadableStreamDefaultController<Uint8Array>): void {
    while (queue.length > 0) {
      const head = queue[0]!;
      if (!head.pieces.every((p) => choiceState(p.field.choice).blocked || p.end <= p.field.committed)) return;
      queue.shift();
      emit(controller, head);
    }
  }

  /** Ends choices that were blocked since the last call with their content_filter chunk. */
  const announced = new Set<number>();
  function announceBlocks(controller: ReadableStreamDefaultController<Uint8Array>): void {
    for (const [index, state] of choices) {
      if (!state.blocked || announced.has(index)) continue;
      announced.add(index);
      controller.enqueue(encoder.encode(finishChunk(index, options.extensions(reported, reportedParams))));
    }
  }

  async function handle(controller: ReadableStreamDefaultController<Uint8Array>, events: readonly string[]): Promise<boolean> {
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
      let parsed: unknown;
      try {
        // Too deep to clone or serialise without overflowing the stack: as malformed as bad JSON.
        if (jsonNestingDepth(data) > MAX_JSON_DEPTH) throw new Error('nested too deep');
        parsed = JSON.parse(data);
      } catch {
        return fail(controller, 'The upstream sent a malformed stream event.', 'upstream_invalid_response');
      }
      if (!isJsonObject(parsed)) return fail(controller, 'The upstream sent a malformed stream event.', 'upstream_invalid_response');
      template ??= parsed;
      if (Array.isArray(parsed['choices']) && parsed['choices'].length === 0 && parsed['usage'] !== undefined) {
        usage = raw;
        continue;
      }
      const { pieces, finishes } = piecesOf(parsed);
      queue.push({ raw, chunk: parsed, pieces, finishes });
      const due: Array<{ field: FieldText; final: boolean }> = [];
      for (const [index, state] of choices) {
        if (state.blocked) continue;
        const final = finishes.includes(index);
        for (const field of state.fields.values()) {
          const pending = field.text.length - field.committed;
          if (final ? pending > 0 : pending >= holdBackChars + step) due.push({ field, final });
        }
      }
      if (due.length > 0) await check(due);
      announceBlocks(controller);
      release(controller);
      if (allBlocked()) return finish(controller, false);
    }
    return false;
  }

  /** Upstream ended: decide every remaining text, then the report, the usage chunk and [DONE]. */
  async function finish(controller: ReadableStreamDefaultController<Uint8Array>, upstreamEnded: boolean): Promise<boolean> {
    if (upstreamEnded) {
      const due = [...choices.values()]
        .filter((c) => !c.blocked)
        .flatMap((c) => [...c.fields.values()].filter((f) => f.committed < f.text.length).map((field) => ({ field, final: true })));
      if (due.length > 0) await check(due);
      announceBlocks(controller);
      release(controller);
      // A placeholder fragment still held by a restorer (a choice that never sent finish_reason).
      for (const [index, state] of choices) {
        const rest = state.blocked ? '' : [...state.fields.values()].map((f) => f.restorer?.flush() ?? '').join('');
        if (rest === '') continue;
        const choice = endpoint === 'completions' ? { index, text: rest, logprobs: null, finish_reason: null } : { index, delta: { content: rest }, logprobs: null, finish_reason: null };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify({ ...pick(template), choices: [choice] })}\n\n`));
      }
    } else {
      await reader.cancel('blocked by the output guardrails').catch(() => {});
      queue.length = 0;
    }
    const anyBlocked = [...choices.values()].some((c) => c.blocked);
    if (!anyBlocked && (reported.length > 0 || warned) && template) {
      controller.enqueue(encoder.encode(`data: ${JSON.stringify({ ...pick(template), choices: [], ...options.extensions(reported, reportedParams) })}\n\n`));
    }
    if (usage !== null) controller.enqueue(encoder.encode(`${usage}\n\n`));
    if (sawDone || !upstreamEnded) controller.enqueue(encoder.encode('data: [DONE]\n\n'));
    closed = true;
    controller.close();
    return true;
  }

  function fail(controller: ReadableStreamDefaultController<Uint8Array>, message: string, code: string): true {
    void reader.cancel(message).catch(() => {});
    controller.enqueue(encoder.encode(errorEvent(message, code)));
    closed = true;
    controller.close();
    return true;
  }

  async function read(): Promise<ReadResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new IdleTimeout()), options.idleTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (!closed) {
        const size = controller.desiredSize;
        let result: ReadResult;
        try {
          result = await read();
        } catch (error) {
          if (error instanceof IdleTimeout) fail(controller, `The upstream sent nothing for ${options.idleTimeoutMs} ms.`, 'upstream_idle_timeout');
          else fail(controller, 'The upstream stream failed before it finished.', 'upstream_stream_error');
          return;
        }
        if (result.done) {
          if (await handle(controller, splitter.flush())) return;
          await finish(controller, true);
          return;
        }
        if (await handle(controller, splitter.push(result.value))) return;
        if (controller.desiredSize !== size) return;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** The fields every chunk repeats (id, object, created, model...), for the chunks we add. */
function pick(template: JsonObject | null): JsonObject {
  if (!template) return {};
  const out: JsonObject = {};
  for (const key of ['id', 'object', 'created', 'model', 'system_fingerprint']) if (template[key] !== undefined) out[key] = template[key]!;
  return out;
}
