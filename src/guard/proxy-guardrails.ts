// The guard cascade plugged into the proxy seam (src/proxy/guardrails.ts): picks the deployment's
// input and output guards, extracts the texts to check from OpenAI request (request-texts.ts) and response bodies,
// writes redactions back where they came from, blocks with `content_policy_violation`, and adds
// `policy_detections` and the X-Guard-* headers. Pure glue: no HTTP framework, no runtime.

import { HttpError } from '../errors.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import type { LoadedTenant } from '../policy/types.ts';
import type { GuardCallContext, InputGuardResult, OutputGuardResult, ProxyGuardrails } from '../proxy/guardrails.ts';
import type { Guard, Verdict } from './cascade.ts';
import { enforcementOf } from './decision.ts';
import { createPlaceholderVault, restorePlaceholders, type PlaceholderVault } from './redaction.ts';
import {
  buildGuardrailsReport,
  buildPolicyDetections,
  degradedHeaderValue,
  GUARD_DEGRADED_HEADER,
  GUARD_POLICY_VERSION_HEADER,
  worstDecision,
  type PolicyDetections,
} from './report.ts';
import { inputTextSlots } from './request-texts.ts';
import { restoreStreamedPlaceholders } from './stream-restore.ts';

export const GUARD_DECISION_HEADER = 'X-Guard-Decision';
export const GUARD_WARNING_HEADER = 'X-Guard-Warning';

/** The guard a tenant built at policy load for `profile`; a missing one fails closed. */
export function guardFor(tenant: LoadedTenant, profile: string): Guard {
  const guard = tenant.guards.get(profile);
  if (!guard) {
    throw new HttpError(503, 'Guardrails are not available for this deployment; the request was not forwarded.', { code: 'guardrails_unavailable' });
  }
  return guard;
}

// ---- Where each answer text lives -----------------------------------------------------------------

function arrayAt(body: JsonObject, key: string): JsonValue[] {
  const value = body[key];
  return Array.isArray(value) ? value : [];
}

interface AnswerSlot {
  readonly text: string;
  readonly choice: JsonObject;
  readonly field: 'message' | 'text';
}

function answerSlots(ctx: GuardCallContext, body: JsonObject): AnswerSlot[] {
  const slots: AnswerSlot[] = [];
  for (const choice of arrayAt(body, 'choices')) {
    if (!isJsonObject(choice)) continue;
    if (ctx.endpoint === 'chat.completions') {
      const message = choice['message'];
      if (isJsonObject(message) && typeof message['content'] === 'string') slots.push({ text: message['content'], choice, field: 'message' });
    } else if (ctx.endpoint === 'completions' && typeof choice['text'] === 'string') {
      slots.push({ text: choice['text'], choice, field: 'text' });
    }
  }
  return slots;
}

function setAnswer(slot: AnswerSlot, text: string): void {
  if (slot.field === 'text') slot.choice['text'] = text;
  else (slot.choice['message'] as JsonObject)['content'] = text;
}

// ---- Headers and extensions -----------------------------------------------------------------------

interface InputState {
  readonly vault: PlaceholderVault;
  readonly verdicts: readonly Verdict[];
  readonly warned: boolean;
}

function guardHeaders(checked: { input?: readonly Verdict[]; output?: readonly Verdict[] }, policyVersion: string, warned: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    [GUARD_POLICY_VERSION_HEADER]: policyVersion,
    [GUARD_DECISION_HEADER]: worstDecision([...(checked.input ?? []), ...(checked.output ?? [])]),
  };
  const degraded = degradedHeaderValue(checked);
  if (degraded) headers[GUARD_DEGRADED_HEADER] = degraded;
  if (warned) headers[GUARD_WARNING_HEADER] = 'soft_block: flagged for review and passed (see policy_detections)';
  return headers;
}

/** `policy_detections`, mirrored as `enkrypt_policy_detections` on the Enkrypt alias (seed 004's name). */
function detectionsExtension(ctx: GuardCallContext, detections: PolicyDetections): Record<string, JsonValue> {
  const value = detections as unknown as JsonValue;
  return ctx.flavor === 'enkrypt' ? { policy_detections: value, enkrypt_policy_detections: value } : { policy_detections: value };
}

function readState(input: InputGuardResult): InputState | null {
  const state = input.state as Partial<InputState> | undefined;
  return state && state.vault && state.verdicts ? (state as InputState) : null;
}

// ---- The seam implementation -----------------------------------------------------------------------

export function createProxyGuardrails(): ProxyGuardrails {
  return {
    async beforeUpstream(ctx, received) {
      const guard = guardFor(ctx.tenant, ctx.deployment.guardrails.inputProfile);
      const softBlock = ctx.deployment.guardrails.softBlock ?? guard.profile.softBlock;
      const slots = inputTextSlots(ctx.endpoint, received, guard.profile.input.roles);
      const vault = createPlaceholderVault();
      const verdicts = await guard.check(slots.map((slot) => slot.text), 'input', { vault });
      const enforcement = verdicts.map((verdict) => enforcementOf(verdict.decision, softBlock));
      const warned = enforcement.includes('warn');

      const blocked = enforcement.indexOf('block');
      if (blocked >= 0) {
        const detections = buildPolicyDetections({ input: verdicts });
        throw new HttpError(400, detections.input_guardrails?.result_message ?? 'Blocked by the input guardrails.', {
          code: 'content_policy_violation',
          param: slots[blocked]?.param ?? null,
          headers: guardHeaders({ input: verdicts }, guard.policyVersion, false),
          extensions: detectionsExtension(ctx, detections),
        });
      }

      let body = received;
      if (verdicts.some((verdict) => verdict.redactions.length > 0)) {
        body = structuredClone(received);
        verdicts.forEach((verdict, i) => {
          if (verdict.redactions.length > 0) slots[i]!.write(body, verdict.redactedText);
        });
      }
      const state: InputState = { vault, verdicts, warned };
      return {
        body,
        state,
        headers: guardHeaders({ input: verdicts }, guard.policyVersion, warned),
        extensions: detectionsExtension(ctx, buildPolicyDetections({ input: verdicts })),
        // Streamed answers get input guardrails only (output moderation of streams is its own
        // issue), but placeholders are still put back as the deltas pass.
        transformStream: vault.size > 0 ? (stream) => restoreStreamedPlaceholders(stream, vault) : undefined,
      };
    },

    async afterUpstream(ctx, answer, input): Promise<OutputGuardResult> {
      const state = readState(input);
      if (!state) throw new Error('afterUpstream called without the input guardrails state');
      if (ctx.endpoint === 'embeddings') {
        // Vectors carry no text to check; the input report stays as it was.
        return { body: answer };
      }
      const guard = guardFor(ctx.tenant, ctx.deployment.guardrails.outputProfile);
      const softBlock = ctx.deployment.guardrails.softBlock ?? guard.profile.softBlock;
      const body = structuredClone(answer);
      const slots = answerSlots(ctx, body);
      // Checked as the upstream wrote it (placeholders still in), then restored for the client:
      // the client's own data comes back to it, and only to it.
      const verdicts = await guard.check(slots.map((slot) => slot.text), 'output', { vault: state.vault });
      let warned = state.warned;
      verdicts.forEach((verdict, i) => {
        const slot = slots[i]!;
        const enforcement = enforcementOf(verdict.decision, softBlock);
        if (enforcement === 'warn') warned = true;
        if (enforcement === 'block') {
          setAnswer(slot, buildGuardrailsReport('output', [verdict]).result_message ?? 'Blocked by the output guardrails.');
          slot.choice['finish_reason'] = 'content_filter';
          return;
        }
        setAnswer(slot, restorePlaceholders(verdict.redactedText, state.vault));
      });
      const checked = { input: state.verdicts, output: verdicts };
      Object.assign(body, detectionsExtension(ctx, buildPolicyDetections(checked)));
      return { body, headers: guardHeaders(checked, guard.policyVersion, warned) };
    },
  };
}
