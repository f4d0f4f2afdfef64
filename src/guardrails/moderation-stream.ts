// POST /v1/moderations/stream on the guard engine: the /v1/moderations check as Server-Sent Events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html), so a live chat sees a long
// text's verdict build up. Each input is checked window by window (`interim` events: running max
// of the scores, worst decision so far), then once whole (`final`: exactly the /v1/moderations
// answer), then `data: [DONE]`, the terminator OpenAI's streams use. Web streams only, no runtime.

import { MODERATION_CATEGORIES, type ModerationCategory } from '../categories.ts';
import { HttpError, INTERNAL_ERROR_ENVELOPE, type ErrorEnvelope } from '../errors.ts';
import type { Decision, Guard, Verdict } from '../guard/types.ts';
import type { ModerationRequest } from '../validation/moderations.ts';
import { moderateInputs, toInputs } from './moderation.ts';
import { toModerationResult, worseDecision, type ModerationResult } from './report.ts';

/** Characters (UTF-16 code units, as redaction offsets count them) per interim window. */
export const MODERATION_WINDOW_CHARS = 2048;
/**
 * Characters each window shares with the one before, so a phrase or an entity cut by a window's
 * end is still seen whole by the next: 256 holds the longest e-mail address (254, RFC 5321).
 */
export const MODERATION_WINDOW_OVERLAP = 256;

export interface WindowOptions {
  readonly size: number;
  readonly overlap: number;
}

/** One window: `[start, end)` of the input text. */
export interface TextWindow {
  readonly start: number;
  readonly end: number;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Overlapping windows covering `text` (one window, possibly empty, for a short text). No window
 * cuts a surrogate pair in half. Windows advance by at least `size - overlap - 2` characters, so
 * the total checked stays linear in the text's length.
 */
export function textWindows(text: string, options: WindowOptions = { size: MODERATION_WINDOW_CHARS, overlap: MODERATION_WINDOW_OVERLAP }): TextWindow[] {
  const { size, overlap } = options;
  if (!Number.isInteger(size) || !Number.isInteger(overlap) || overlap < 0 || size - overlap < 3) {
    throw new RangeError(`window size ${size} must exceed overlap ${overlap} by at least 3`);
  }
  const windows: TextWindow[] = [];
  let start = 0;
  for (;;) {
    let end = Math.min(text.length, start + size);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1)) && isLowSurrogate(text.charCodeAt(end))) end -= 1;
    windows.push({ start, end });
    if (end >= text.length) return windows;
    start = end - overlap;
    if (isLowSurrogate(text.charCodeAt(start)) && start > 0 && isHighSurrogate(text.charCodeAt(start - 1))) start -= 1;
  }
}

/** After each window of input `index`: what has been seen of it so far. */
export interface InterimEvent {
  readonly type: 'interim';
  readonly index: number;
  /** End of the window just checked: characters of this input covered so far. */
  readonly chars_checked: number;
  /** All 13 categories: the maximum over this input's windows so far. */
  readonly category_scores: Record<ModerationCategory, number>;
  /** The worst window decision so far; the `final` result is the authoritative one. */
  readonly decision: Decision;
}

/** The whole /v1/moderations answer for the same request. */
export interface FinalEvent {
  readonly type: 'final';
  readonly id: string;
  readonly model: string;
  readonly results: ModerationResult[];
  /** The request's decision id, as /v1/moderations returns it. */
  readonly decision_id?: string;
}

/** Sent instead of the remaining events when a check fails after the stream started. */
export type ErrorEvent = { readonly type: 'error' } & ErrorEnvelope;

export type ModerationStreamEvent = InterimEvent | FinalEvent | ErrorEvent;

export interface ModerationStreamOptions {
  readonly guard: Guard;
  readonly input: ModerationRequest['input'];
  readonly id: string;
  readonly model: string;
  readonly window?: WindowOptions;
  /** Told the cause of a failure after the stream started (the client only gets a generic error event). */
  readonly onError?: (cause: unknown) => void;
  readonly decisionId?: string;
  /** Told the final check's texts and verdicts (the audit record), before the final event. */
  readonly onFinal?: (texts: readonly string[], verdicts: readonly Verdict[]) => void;
}

function zeroScores(): Record<ModerationCategory, number> {
  return Object.fromEntries(MODERATION_CATEGORIES.map((category) => [category, 0])) as Record<ModerationCategory, number>;
}

/** The events in order: every window of every input, then the final answer. */
export async function* moderationEvents(options: ModerationStreamOptions): AsyncGenerator<InterimEvent | FinalEvent> {
  const { guard } = options;
  for (const [index, input] of toInputs(options.input).entries()) {
    const scores = zeroScores();
    let decision: Decision = 'allow';
    for (const window of textWindows(input.text, options.window)) {
      const [verdict] = await guard.check([input.text.slice(window.start, window.end)], 'input', { scoreBlocked: true });
      // Scores rounded exactly as the final result rounds them.
      const windowScores = toModerationResult(verdict!).category_scores;
      for (const category of MODERATION_CATEGORIES) scores[category] = Math.max(scores[category], windowScores[category]);
      decision = worseDecision(decision, verdict!.decision);
      yield { type: 'interim', index, chars_checked: window.end, category_scores: { ...scores }, decision };
    }
  }
  // The whole inputs in one batch, as /v1/moderations checks them: entities and phrases across
  // windows, whole-text detectors, and the same result for the same request.
  const { results, texts, verdicts } = await moderateInputs(guard, options.input);
  options.onFinal?.(texts, verdicts);
  yield { type: 'final', id: options.id, model: options.model, results, ...(options.decisionId ? { decision_id: options.decisionId } : {}) };
}

const encoder = new TextEncoder();

function sseData(data: string): Uint8Array {
  return encoder.encode(`data: ${data}\n\n`);
}

/**
 * The events as an SSE body, produced on demand (a slow or gone client stops the checks). A
 * failure mid-stream ends it with one `error` event carrying an OpenAI error envelope and no
 * `[DONE]`, so a client cannot mistake a cut stream for a complete one.
 */
export function moderationEventStream(options: ModerationStreamOptions): ReadableStream<Uint8Array> {
  const events = moderationEvents(options);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) {
          controller.enqueue(sseData('[DONE]'));
          controller.close();
          return;
        }
        controller.enqueue(sseData(JSON.stringify(next.value)));
      } catch (cause) {
        options.onError?.(cause);
        const envelope = cause instanceof HttpError ? cause.toEnvelope() : INTERNAL_ERROR_ENVELOPE;
        const event: ErrorEvent = { type: 'error', ...envelope };
        controller.enqueue(sseData(JSON.stringify(event)));
        controller.close();
      }
    },
    async cancel() {
      await events.return(undefined);
    },
  });
}
