// Output guardrails on a streamed Responses answer (typed SSE events, https://platform.openai.com/docs/api-reference/responses-streaming):
// every text delta (output_text, refusal, function-call and custom-tool arguments, reasoning and
// its summary, code) is checked before it is relayed, with the same hold-back as chat streams
// (stream-text.ts). Events that repeat a text in full (`*.done`, content_part.done,
// output_item.done, response.completed) wait until that text is decided and carry it redacted;
// response.completed also carries `policy_detections`. A block cancels the upstream and ends the
// stream with a `response.incomplete` event: status incomplete, incomplete_details.reason
// content_filter, the output replaced by a refusal.

import type { Verdict } from '../guard/types.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import { formatFieldPath } from '../validation/field-path.ts';
import { blockedOutput, outputItemTexts, writeAt } from './responses-texts.ts';
import { eventData, parseEventObject } from './sse.ts';
import { relayGuardedSse, type SseRelayControl } from './sse-relay.ts';
import { createStreamTextChecker, type FieldText, type Piece, type GuardedStreamOptions } from './stream-text.ts';

export interface ResponsesStreamOptions extends GuardedStreamOptions {
  /** The refusal text of a blocked answer. */
  readonly blockMessage: (output: readonly Verdict[]) => string;
}

type FieldPath = readonly (string | number)[];

/** Delta events: the text field they extend (by its path in the response) and the event's text property. */
const DELTAS: Readonly<Record<string, { path: (e: JsonObject) => FieldPath; prop: string }>> = {
  'response.output_text.delta': { path: (e) => ['output', num(e, 'output_index'), 'content', num(e, 'content_index'), 'text'], prop: 'delta' },
  'response.refusal.delta': { path: (e) => ['output', num(e, 'output_index'), 'content', num(e, 'content_index'), 'refusal'], prop: 'delta' },
  'response.reasoning_text.delta': { path: (e) => ['output', num(e, 'output_index'), 'content', num(e, 'content_index'), 'text'], prop: 'delta' },
  'response.reasoning_summary_text.delta': { path: (e) => ['output', num(e, 'output_index'), 'summary', num(e, 'summary_index'), 'text'], prop: 'delta' },
  'response.function_call_arguments.delta': { path: (e) => ['output', num(e, 'output_index'), 'arguments'], prop: 'delta' },
  'response.mcp_call_arguments.delta': { path: (e) => ['output', num(e, 'output_index'), 'arguments'], prop: 'delta' },
  'response.custom_tool_call_input.delta': { path: (e) => ['output', num(e, 'output_index'), 'input'], prop: 'delta' },
  'response.code_interpreter_call_code.delta': { path: (e) => ['output', num(e, 'output_index'), 'code'], prop: 'delta' },
};

/** `*.done` events: the same fields, repeated in full. */
const DONES: Readonly<Record<string, { path: (e: JsonObject) => FieldPath; prop: string }>> = {
  'response.output_text.done': { path: DELTAS['response.output_text.delta']!.path, prop: 'text' },
  'response.refusal.done': { path: DELTAS['response.refusal.delta']!.path, prop: 'refusal' },
  'response.reasoning_text.done': { path: DELTAS['response.reasoning_text.delta']!.path, prop: 'text' },
  'response.reasoning_summary_text.done': { path: DELTAS['response.reasoning_summary_text.delta']!.path, prop: 'text' },
  'response.function_call_arguments.done': { path: DELTAS['response.function_call_arguments.delta']!.path, prop: 'arguments' },
  'response.mcp_call_arguments.done': { path: DELTAS['response.mcp_call_arguments.delta']!.path, prop: 'arguments' },
  'response.custom_tool_call_input.done': { path: DELTAS['response.custom_tool_call_input.delta']!.path, prop: 'input' },
  'response.code_interpreter_call_code.done': { path: DELTAS['response.code_interpreter_call_code.delta']!.path, prop: 'code' },
};

/** Lifecycle events carrying the response object; the last three end it, with its output in full. */
const STARTS = new Set(['response.created', 'response.in_progress', 'response.queued']);
const ENDS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

function num(event: JsonObject, key: string): number {
  const value = event[key];
  return typeof value === 'number' ? value : 0;
}

/** A text an event carries: where it lives in the event, and its field's path in the response. */
interface Carried {
  readonly field: FieldPath;
  readonly container: JsonObject;
  readonly at: FieldPath;
  readonly text: string;
}

function carriedTexts(type: string, event: JsonObject): { carried: Carried[]; whole: boolean } {
  const one = (field: FieldPath, container: JsonObject, at: FieldPath): Carried[] => {
    let node: JsonValue | undefined = container;
    for (const key of at) node = typeof key === 'number' ? (Array.isArray(node) ? node[key] : undefined) : isJsonObject(node) ? node[key] : undefined;
    return typeof node === 'string' ? [{ field, container, at, text: node }] : [];
  };
  const delta = DELTAS[type];
  if (delta) return { carried: one(delta.path(event), event, [delta.prop]), whole: false };
  const done = DONES[type];
  if (done) return { carried: one(done.path(event), event, [done.prop]), whole: true };
  const whole = type.endsWith('.done') || ENDS.has(type);
  if (type === 'response.content_part.added' || type === 'response.content_part.done') {
    const base = ['output', num(event, 'output_index'), 'content', num(event, 'content_index')];
    const part = event['part'];
    if (!isJsonObject(part)) return { carried: [], whole };
    const prop = part['type'] === 'refusal' ? 'refusal' : 'text';
    return { carried: one([...base, prop], part, [prop]), whole };
  }
  if (type === 'response.reasoning_summary_part.added' || type === 'response.reasoning_summary_part.done') {
    const part = event['part'];
    return { carried: isJsonObject(part) ? one(['output', num(event, 'output_index'), 'summary', num(event, 'summary_index'), 'text'], part, ['text']) : [], whole };
  }
  if (type === 'response.output_item.added' || type === 'response.output_item.done') {
    const item = event['item'];
    if (!isJsonObject(item)) return { carried: [], whole };
    const o = num(event, 'output_index');
    return { carried: outputItemTexts(item).map((t) => ({ field: ['output', o, ...t.path], container: item, at: t.path, text: t.text })), whole };
  }
  if (STARTS.has(type) || ENDS.has(type)) {
    const response = event['response'];
    const output = isJsonObject(response) && Array.isArray(response['output']) ? response['output'] : [];
    const carried = output.flatMap((item, o) =>
      isJsonObject(item) ? outputItemTexts(item).map((t) => ({ field: ['output', o, ...t.path], container: item, at: t.path, text: t.text })) : [],
    );
    return { carried, whole };
  }
  return { carried: [], whole: false };
}

interface Whole {
  readonly field: FieldText;
  readonly carried: Carried;
}

interface QueuedEvent {
  readonly raw: string;
  readonly name: string | null;
  readonly data: JsonObject | null;
  readonly pieces: Piece[];
  readonly wholes: Whole[];
}

/** An SSE error event the official SDKs raise as an APIError (it carries `error`), in the Responses event shape. */
export function responsesErrorEvent(message: string, code: string): string {
  const error = { message, type: 'upstream_error', param: null, code };
  return `event: error\ndata: ${JSON.stringify({ type: 'error', code, message, param: null, error })}\n\n`;
}

function eventName(raw: string): string | null {
  const line = raw.split('\n').find((l) => l.startsWith('event:'));
  return line === undefined ? null : line.slice(6).trim();
}

export function guardResponsesStream(upstream: ReadableStream<Uint8Array>, options: ResponsesStreamOptions): ReadableStream<Uint8Array> {
  // One group: a block anywhere ends the whole answer.
  const texts = createStreamTextChecker(options);
  const finals = new Set<FieldText>();
  /** The delta event last seen per field, to carry a placeholder fragment its restorer still holds. */
  const lastDelta = new Map<FieldText, JsonObject>();
  const flushed = new Set<FieldText>();
  const queue: QueuedEvent[] = [];
  let snapshot: JsonObject | null = null;
  let lastSequence = -1;

  /** The field a full text belongs to; it is final from now on. Null when it contradicts what was streamed twice over. */
  function wholeField(path: FieldPath, text: string): FieldText | null {
    const param = formatFieldPath(path);
    for (const key of [param, `${param}#whole`]) {
      const field = texts.field(0, key, param);
      if (finals.has(field)) {
        if (field.text === text) return field;
        continue;
      }
      finals.add(field);
      if (text.startsWith(field.text)) {
        field.text = text;
        return field;
      }
      // The full text is not what the deltas said: check it as a text of its own.
    }
    return null;
  }

  function emit(control: SseRelayControl, event: QueuedEvent): void {
    if (!event.data) return control.enqueue(`${event.raw}\n\n`);
    const data = event.data;
    let changed = false;
    for (const p of event.pieces) {
      const text = texts.render(p);
      if (text !== p.field.text.slice(p.start, p.end)) {
        p.write(text);
        changed = true;
      }
    }
    for (const { field, carried } of event.wholes) {
      const rest = flushed.has(field) ? '' : (field.restorer?.flush() ?? '');
      flushed.add(field);
      const template = lastDelta.get(field);
      if (rest !== '' && template) control.enqueue(`event: ${String(template['type'])}\ndata: ${JSON.stringify({ ...template, delta: rest, logprobs: [] })}\n\n`);
      const text = texts.renderWhole(field);
      if (text !== carried.text) {
        writeAt(carried.container, carried.at, text);
        changed = true;
      }
    }
    const type = typeof data['type'] === 'string' ? data['type'] : '';
    if (ENDS.has(type) && isJsonObject(data['response'])) {
      Object.assign(data['response'], options.extensions(texts.reported, texts.reportedParams));
      changed = true;
    }
    if (!changed) return control.enqueue(`${event.raw}\n\n`);
    control.enqueue(`${event.name === null ? '' : `event: ${event.name}\n`}data: ${JSON.stringify(data)}\n\n`);
  }

  function release(control: SseRelayControl): void {
    while (queue.length > 0) {
      const head = queue[0]!;
      if (!head.pieces.every((p) => texts.decided(p)) || !head.wholes.every((w) => w.field.committed >= w.field.text.length)) return;
      queue.shift();
      emit(control, head);
    }
  }

  async function block(control: SseRelayControl): Promise<true> {
    await control.cancelUpstream('blocked by the output guardrails');
    queue.length = 0;
    const response = {
      ...(snapshot ?? { object: 'response' }),
      status: 'incomplete',
      incomplete_details: { reason: 'content_filter' },
      output: blockedOutput(options.blockMessage(texts.reported)),
      ...options.extensions(texts.reported, texts.reportedParams),
    };
    const event = { type: 'response.incomplete', sequence_number: lastSequence + 1, response };
    control.enqueue(`event: response.incomplete\ndata: ${JSON.stringify(event)}\n\n`);
    texts.finish();
    return control.close();
  }

  async function handle(control: SseRelayControl, events: readonly string[]): Promise<boolean> {
    for (const raw of events) {
      const payload = eventData(raw);
      if (payload === null || payload.trim() === '[DONE]') {
        queue.push({ raw, name: null, data: null, pieces: [], wholes: [] });
        continue;
      }
      const data = parseEventObject(payload);
      if (!data) return control.fail('The upstream sent a malformed stream event.', 'upstream_invalid_response');
      const type = typeof data['type'] === 'string' ? data['type'] : '';
      if (typeof data['sequence_number'] === 'number') lastSequence = Math.max(lastSequence, data['sequence_number']);
      if ((STARTS.has(type) || ENDS.has(type)) && isJsonObject(data['response'])) snapshot = { ...data['response'], output: [] };
      const { carried, whole } = carriedTexts(type, data);
      const pieces: Piece[] = [];
      const wholes: Whole[] = [];
      for (const c of carried) {
        const param = formatFieldPath(c.field);
        if (!whole) {
          const piece = texts.piece(0, param, param, c.text, (t) => writeAt(c.container, c.at, t));
          pieces.push(piece);
          if (DELTAS[type]) lastDelta.set(piece.field, data);
          continue;
        }
        const field = wholeField(c.field, c.text);
        if (!field) return control.fail('The upstream sent a final text that contradicts its own stream.', 'upstream_invalid_response');
        wholes.push({ field, carried: c });
      }
      queue.push({ raw, name: eventName(raw), data, pieces, wholes });
      await texts.check(texts.due((field) => finals.has(field)));
      if (texts.group(0).blocked) return block(control);
      release(control);
    }
    return false;
  }

  return relayGuardedSse(upstream, {
    idleTimeoutMs: options.idleTimeoutMs,
    errorEvent: responsesErrorEvent,
    onEvents: handle,
    async onEnd(control) {
      await texts.check(texts.due(() => true));
      if (texts.group(0).blocked) return void (await block(control));
      release(control);
      texts.finish();
      control.close();
    },
  });
}
