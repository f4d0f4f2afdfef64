// The text side of guarding a streamed answer, shared by the chat/completions stream guard
// (stream-guard.ts) and the Responses one (responses-stream.ts): texts arrive as pieces of named
// fields in groups (a chat choice; a whole Responses answer), accumulate per field, and are checked
// before they are relayed. Only a hold-back tail that a pattern or classifier window could still
// change waits; each check reads the new text plus an overlap of the same length, so the work stays
// linear in the answer. A blocking verdict blocks the field's whole group.

import { enforcementOf } from '../guard/decision.ts';
import { createStreamingRestorer, restorePlaceholders, type PlaceholderVault, type Redaction, type StreamingRestorer } from '../guard/redaction.ts';
import type { Detection, DetectionContext, Guard, JudgeCheckOptions, Verdict } from '../guard/types.ts';
import type { JsonValue } from '../http/json.ts';

export interface StreamTextOptions {
  readonly guard: Guard;
  readonly softBlock: 'block' | 'warn';
  /** The request's vault: placeholders the upstream writes back are restored for the client. */
  readonly vault: PlaceholderVault;
  /** The request's context for detectors that compare against it (system_prompt). */
  readonly context?: DetectionContext;
  /** Characters of each text held back until later text can no longer change them; Infinity checks the whole answer first. */
  readonly holdBackChars: number;
  /** Told once, when the stream ends normally or by a block: every check's verdict and field, and each field's whole text (the audit). */
  readonly onFinish?: (checked: ReadonlyArray<{ readonly verdict: Verdict; readonly param: string }>, fieldTexts: ReadonlyMap<string, string>) => void;
  /** The deployment's judge checks for the answer; windows skip the whole-answer ones (relevancy, hallucination). */
  readonly judgeChecks?: JudgeCheckOptions;
}

/** What both streamed-answer guards (chat/completions chunks and Responses events) take. */
export interface GuardedStreamOptions extends StreamTextOptions {
  /** Longest wait for the next upstream chunk before the stream ends with an error event. */
  readonly idleTimeoutMs: number;
  /** Top-level fields for the part that reports the output checks (`policy_detections`). */
  readonly extensions: (output: readonly Verdict[], outputParams: readonly string[]) => Record<string, JsonValue>;
}

export interface FieldText {
  readonly group: number;
  readonly param: string;
  text: string;
  /** text[0, committed) is decided: checked with at least the hold-back after it, or final. */
  committed: number;
  /** Redactions to apply, in field offsets, left to right. */
  readonly spans: Redaction[];
  spanCursor: number;
  restorer: StreamingRestorer | null;
}

/** One event's share of a field's text: field.text[start, end), and how to write it back. */
export interface Piece {
  readonly field: FieldText;
  readonly start: number;
  readonly end: number;
  readonly write: (text: string) => void;
}

export interface GroupState {
  readonly fields: Map<string, FieldText>;
  blocked: boolean;
}

export interface StreamTextChecker {
  /** Verdicts of checks that found something, with the field path of each, for the report. */
  readonly reported: Verdict[];
  readonly reportedParams: string[];
  readonly groups: ReadonlyMap<number, GroupState>;
  /** Whether a soft_block passed with a warning. */
  warned(): boolean;
  group(index: number): GroupState;
  field(group: number, key: string, param: string): FieldText;
  /** Appends `text` to the field and returns it as a piece of that field. */
  piece(group: number, key: string, param: string, text: string, write: (text: string) => void): Piece;
  /** Fields with undecided text worth a check now: final ones with any, others past the hold-back and a step. */
  due(isFinal: (field: FieldText) => boolean): Array<{ field: FieldText; final: boolean }>;
  /** Checks each field's undecided text (plus the overlap before it) and moves its committed mark. */
  check(due: ReadonlyArray<{ field: FieldText; final: boolean }>): Promise<void>;
  /** Whether the piece may be released: its group is blocked (it will be dropped) or its text is decided. */
  decided(piece: Piece): boolean;
  /** A piece's text as the client gets it: redactions applied, placeholders put back. */
  render(piece: Piece): string;
  /** A placeholder fragment a field's restorer still holds, for the group's last event. */
  flush(group: number): string;
  /** A whole decided field as the client gets it (for events that repeat a text in full). */
  renderWhole(field: FieldText): string;
  /** The stream ended (normally or by a block): calls onFinish, once. */
  finish(): void;
}

export function createStreamTextChecker(options: StreamTextOptions): StreamTextChecker {
  const { guard, vault, holdBackChars } = options;
  const overlap = Number.isFinite(holdBackChars) ? holdBackChars : 0;
  const step = Number.isFinite(holdBackChars) ? Math.max(1, Math.floor(holdBackChars / 2)) : Infinity;
  const groups = new Map<number, GroupState>();
  const reported: Verdict[] = [];
  const reportedParams: string[] = [];
  const checked: Array<{ verdict: Verdict; param: string }> = [];
  let finished = false;
  let warned = false;

  const group = (index: number): GroupState => {
    let state = groups.get(index);
    if (!state) groups.set(index, (state = { fields: new Map(), blocked: false }));
    return state;
  };

  function field(index: number, key: string, param: string): FieldText {
    const state = group(index);
    let found = state.fields.get(key);
    if (!found) state.fields.set(key, (found = { group: index, param, text: '', committed: 0, spans: [], spanCursor: 0, restorer: null }));
    return found;
  }

  /** Spans and detections of a window's verdict in field offsets. */
  function shift(verdict: Verdict, from: number): Verdict {
    const move = <T extends { start: number; end: number }>(s: T): T => ({ ...s, start: s.start + from, end: s.end + from });
    const detections: Detection[] = verdict.detections.map((d) => (d.span ? { ...d, span: move(d.span) } : d));
    return { ...verdict, detections, redactions: verdict.redactions.map(move) };
  }

  return {
    reported,
    reportedParams,
    groups,
    finish() {
      if (finished) return;
      finished = true;
      const fieldTexts = new Map([...groups.values()].flatMap((g) => [...g.fields.values()].map((f) => [f.param, f.text] as const)));
      options.onFinish?.(checked, fieldTexts);
    },
    warned: () => warned,
    group,
    field,
    piece(index, key, param, text, write) {
      const target = field(index, key, param);
      const start = target.text.length;
      target.text += text;
      return { field: target, start, end: target.text.length, write };
    },
    due(isFinal) {
      const due: Array<{ field: FieldText; final: boolean }> = [];
      for (const state of groups.values()) {
        if (state.blocked) continue;
        for (const f of state.fields.values()) {
          const final = isFinal(f);
          const pending = f.text.length - f.committed;
          if (final ? pending > 0 : pending >= holdBackChars + step) due.push({ field: f, final });
        }
      }
      return due;
    },
    async check(due) {
      if (due.length === 0) return;
      const windows = due.map(({ field: f, final }) => {
        const from = Math.max(0, f.committed - overlap);
        return { field: f, final, from, text: f.text.slice(from) };
      });
      // A gray-band window waits for the judge within its stream budget (judge.stream_timeout_ms), else on_error.
      const verdicts = await guard.check(windows.map((w) => w.text), 'output', {
        vault,
        stream: Number.isFinite(holdBackChars),
        ...(options.context ? { context: options.context } : {}),
        ...(options.judgeChecks ? { judgeChecks: options.judgeChecks } : {}),
      });
      windows.forEach(({ field: f, final, from }, i) => {
        const verdict = shift(verdicts[i]!, from);
        const state = group(f.group);
        if (state.blocked) return;
        const enforcement = enforcementOf(verdict.decision, options.softBlock);
        checked.push({ verdict, param: f.param });
        if (verdict.decision !== 'allow') {
          reported.push(verdict);
          reportedParams.push(f.param);
        }
        if (enforcement === 'block') {
          state.blocked = true;
          return;
        }
        if (enforcement === 'warn') warned = true;
        let commitTo = final ? f.text.length : Math.max(f.committed, f.text.length - holdBackChars);
        const fresh = verdict.redactions.filter((r) => r.start >= f.committed).sort((a, b) => a.start - b.start);
        // A redaction the commit mark would cut waits whole for the next check.
        for (const r of fresh) if (r.start < commitTo && r.end > commitTo) commitTo = r.start;
        for (const r of fresh) if (r.end <= commitTo) f.spans.push(r);
        f.committed = Math.max(f.committed, commitTo);
      });
    },
    decided: (p) => group(p.field.group).blocked || p.end <= p.field.committed,
    render(p) {
      const f = p.field;
      while (f.spanCursor < f.spans.length && f.spans[f.spanCursor]!.end <= p.start) f.spanCursor++;
      let out = '';
      let position = p.start;
      for (let i = f.spanCursor; i < f.spans.length; i++) {
        const span = f.spans[i]!;
        if (span.start >= p.end) break;
        if (span.start >= position) out += f.text.slice(position, span.start) + span.replacement;
        position = Math.max(position, Math.min(p.end, span.end));
      }
      out += f.text.slice(position, p.end);
      if (vault.size === 0) return out;
      f.restorer ??= createStreamingRestorer(vault);
      return f.restorer.push(out);
    },
    renderWhole(f) {
      let out = '';
      let position = 0;
      for (const span of f.spans) {
        if (span.start >= position) out += f.text.slice(position, span.start) + span.replacement;
        position = Math.max(position, span.end);
      }
      out += f.text.slice(position);
      return vault.size === 0 ? out : restorePlaceholders(out, vault);
    },
    flush(index) {
      const state = groups.get(index);
      if (!state) return '';
      return [...state.fields.values()].map((f) => f.restorer?.flush() ?? '').join('');
    },
  };
}
