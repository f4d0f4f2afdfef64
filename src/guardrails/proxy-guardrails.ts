// The guard cascade plugged into the proxy seam (seam.ts): picks the deployment's
// input and output guards, extracts the texts to check from OpenAI request and response bodies (body-texts.ts),
// writes redactions back where they came from, blocks with `content_policy_violation`, and adds
// `policy_detections` and the X-Guard-* headers. Pure glue: no HTTP framework, no runtime.

import { HttpError } from '../errors.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import type { GuardCallContext, InputGuardResult, OutputGuardResult, ProxyGuardrails } from './seam.ts';
import type { DetectionContext, Guard, GuardedTenant, Verdict } from '../guard/types.ts';
import { enforcementOf } from '../guard/decision.ts';
import { createPlaceholderVault, restorePlaceholders, type PlaceholderVault } from '../guard/redaction.ts';
import {
  buildGuardrailsReport,
  buildPolicyDetections,
  degradedHeaderValue,
  GUARD_DEGRADED_HEADER,
  GUARD_POLICY_VERSION_HEADER,
  worstDecision,
  type PolicyDetections,
} from './report.ts';
import { answerChoices, blockChoice, dropLogprobs, inputTextSlots } from './body-texts.ts';
import { guardStreamedAnswer } from './stream-guard.ts';
import { guardResponsesStream } from './responses-stream.ts';
import type { GuardedStreamOptions } from './stream-text.ts';
import { blockResponse, responsesInputSlots, responsesOutputSlots, responsesSystemTexts } from './responses-texts.ts';
import { newDecisionId, noopAuditSink, type AuditSink } from '../ops/audit.ts';
import { writeAudit } from './audit.ts';
import { judgeChecksFor } from './judge-checks.ts';
import type { JudgeCheckOptions } from '../guard/types.ts';

export const GUARD_DECISION_HEADER = 'X-Guard-Decision';
export const GUARD_WARNING_HEADER = 'X-Guard-Warning';
/** On a streamed answer: how its output is guarded (`moderated` as it is relayed, or `buffered`). */
export const GUARD_OUTPUT_HEADER = 'X-Guard-Output';
/** The request's decision id (also `policy_detections.decision_id` and the audit log's key). */
export const GUARD_DECISION_ID_HEADER = 'X-Guard-Decision-Id';

/**
 * The guard a tenant built at policy load for `profile`; a missing one fails closed. Its checks
 * read and write the classifier cache in the tenant's own namespace (shipped profiles' guards are
 * shared by every tenant; their cache entries are not).
 */
export function guardFor(tenant: GuardedTenant, profile: string): Guard {
  const guard = tenant.guards.get(profile);
  if (!guard) {
    throw new HttpError(503, 'Guardrails are not available for this deployment; the request was not forwarded.', { code: 'guardrails_unavailable' });
  }
  const cacheScope = tenant.name;
  return { ...guard, check: (texts, direction, options = {}) => guard.check(texts, direction, { ...options, cacheScope }) };
}

/** What a soft_block does here: the deployment's setting, else the guard's profile's. */
function softBlockOf(ctx: GuardCallContext, guard: Guard): 'block' | 'warn' {
  return ctx.deployment.guardrails.softBlock ?? guard.profile.softBlock;
}

// ---- Headers and extensions -----------------------------------------------------------------------

interface InputState {
  readonly vault: PlaceholderVault;
  readonly verdicts: readonly Verdict[];
  /** Field path of each checked input text, for the report. */
  readonly params: readonly string[];
  readonly warned: boolean;
  readonly decisionId: string;
  /** What the answer's checks compare against (the request's instructions, for system_prompt). */
  readonly context: DetectionContext;
  /** The deployment's judge checks for the answer (question and context read from the request). */
  readonly outputChecks?: JudgeCheckOptions;
}

/** The instructions a request gives the model: system/developer messages, Responses `instructions`. */
function systemTextsOf(ctx: GuardCallContext, body: JsonObject): string[] {
  if (ctx.endpoint === 'responses') return responsesSystemTexts(body);
  const messages = ctx.endpoint === 'chat.completions' && Array.isArray(body['messages']) ? body['messages'] : [];
  return messages.flatMap((message) => {
    if (!isJsonObject(message) || (message['role'] !== 'system' && message['role'] !== 'developer')) return [];
    const content = message['content'];
    if (typeof content === 'string') return [content];
    return Array.isArray(content) ? content.flatMap((part) => (isJsonObject(part) && typeof part['text'] === 'string' ? [part['text']] : [])) : [];
  });
}

function guardHeaders(checked: { input?: readonly Verdict[]; output?: readonly Verdict[] }, policyVersion: string, warned: boolean, decisionId: string): Record<string, string> {
  const headers: Record<string, string> = {
    [GUARD_DECISION_ID_HEADER]: decisionId,
    [GUARD_POLICY_VERSION_HEADER]: policyVersion,
    [GUARD_DECISION_HEADER]: worstDecision([...(checked.input ?? []), ...(checked.output ?? [])]),
  };
  const degraded = degradedHeaderValue(checked);
  if (degraded) headers[GUARD_DEGRADED_HEADER] = degraded;
  if (warned) headers[GUARD_WARNING_HEADER] = 'soft_block: flagged for review and passed (see policy_detections)';
  return headers;
}

/** `policy_detections`, mirrored as `enkrypt_policy_detections` on the Enkrypt alias (seed 004's name). */
function detectionsExtension(ctx: GuardCallContext, detections: PolicyDetections, decisionId: string): Record<string, JsonValue> {
  const value = { decision_id: decisionId, ...detections } as unknown as JsonValue;
  return ctx.flavor === 'enkrypt' ? { policy_detections: value, enkrypt_policy_detections: value } : { policy_detections: value };
}

function readState(input: InputGuardResult): InputState | null {
  const state = input.state as Partial<InputState> | undefined;
  return state && state.vault && state.verdicts && state.params && state.decisionId ? (state as InputState) : null;
}

type AuditOutput = (
  ctx: GuardCallContext,
  guard: Guard,
  entry: { decisionId: string; direction: 'input' | 'output'; texts: readonly string[]; verdicts: readonly Verdict[]; params: readonly string[]; enforcement: 'block' | 'warn' | 'pass'; streamed?: boolean },
) => void;

export interface ProxyGuardrailsOptions {
  /** Where each decision's audit record goes (src/ops/audit.ts); nowhere when absent. */
  readonly audit?: AuditSink;
}

// ---- The seam implementation -----------------------------------------------------------------------

export function createProxyGuardrails(options: ProxyGuardrailsOptions = {}): ProxyGuardrails {
  const sink = options.audit ?? noopAuditSink;
  const audit: AuditOutput = (ctx, guard, entry) =>
    writeAudit({
      sink,
      requestId: ctx.requestId,
      tenant: ctx.tenant,
      deployment: ctx.deployment.name,
      tags: ctx.tags,
      endpoint: ctx.endpoint,
      profile: guard.profile.name,
      policyVersion: guard.policyVersion,
      ...entry,
    });
  return {
    async beforeUpstream(ctx, received) {
      const { streamMode } = ctx.deployment.guardrails;
      if (ctx.stream && streamMode === 'refuse') {
        throw new HttpError(400, 'Streaming is not enabled for this deployment; send the request without stream: true.', { param: 'stream', code: 'stream_not_supported' });
      }
      const guard = guardFor(ctx.tenant, ctx.deployment.guardrails.inputProfile);
      const softBlock = softBlockOf(ctx, guard);
      const roles = guard.profile.input.roles;
      const slots = ctx.endpoint === 'responses' ? responsesInputSlots(received, roles) : inputTextSlots(ctx.endpoint, received, roles);
      const inputParams = slots.map((slot) => slot.param);
      const vault = createPlaceholderVault();
      const texts = slots.map((slot) => slot.text);
      const judgeChecks = judgeChecksFor(ctx.deployment, 'input', ctx.endpoint, received);
      const outputChecks = judgeChecksFor(ctx.deployment, 'output', ctx.endpoint, received, ctx.enkryptContext);
      const verdicts = await guard.check(texts, 'input', { vault, scopes: slots.map((slot) => slot.scope), ...(judgeChecks ? { judgeChecks } : {}) });
      const enforcement = verdicts.map((verdict) => enforcementOf(verdict.decision, softBlock));
      const warned = enforcement.includes('warn');
      const decisionId = newDecisionId();

      const blocked = enforcement.indexOf('block');
      audit(ctx, guard, { decisionId, direction: 'input', texts, verdicts, params: inputParams, enforcement: blocked >= 0 ? 'block' : warned ? 'warn' : 'pass' });
      if (blocked >= 0) {
        const detections = buildPolicyDetections({ input: verdicts }, { input: inputParams });
        throw new HttpError(400, detections.input_guardrails?.result_message ?? 'Blocked by the input guardrails.', {
          code: 'content_policy_violation',
          param: slots[blocked]?.param ?? null,
          headers: guardHeaders({ input: verdicts }, guard.policyVersion, false, decisionId),
          extensions: detectionsExtension(ctx, detections, decisionId),
        });
      }

      let body = received;
      if (verdicts.some((verdict) => verdict.redactions.length > 0)) {
        body = structuredClone(received);
        verdicts.forEach((verdict, i) => {
          if (verdict.redactions.length > 0) slots[i]!.write(body, verdict.redactions);
        });
      }
      const context: DetectionContext = { systemPrompts: systemTextsOf(ctx, received) };
      const state: InputState = { vault, verdicts, params: inputParams, warned, decisionId, context, ...(outputChecks ? { outputChecks } : {}) };
      return {
        body,
        state,
        headers: guardHeaders({ input: verdicts }, guard.policyVersion, warned, decisionId),
        extensions: detectionsExtension(ctx, buildPolicyDetections({ input: verdicts }, { input: inputParams }), decisionId),
        streamHeaders: { [GUARD_OUTPUT_HEADER]: streamMode === 'buffer' ? 'buffered' : 'moderated' },
        transformStream: (stream) => {
          const output = guardFor(ctx.tenant, ctx.deployment.guardrails.outputProfile);
          const extensions = (verdicts: readonly Verdict[], params: readonly string[]) =>
            detectionsExtension(ctx, buildPolicyDetections({ input: state.verdicts, output: verdicts }, { input: inputParams, output: params }), decisionId);
          const onFinish = (checked: ReadonlyArray<{ verdict: Verdict; param: string }>, fieldTexts: ReadonlyMap<string, string>) => {
            const outputEnforcement = checked.map(({ verdict }) => enforcementOf(verdict.decision, softBlockOf(ctx, output)));
            audit(ctx, output, {
              decisionId,
              direction: 'output',
              texts: checked.map(({ param }) => fieldTexts.get(param) ?? ''),
              verdicts: checked.map(({ verdict }) => verdict),
              params: checked.map(({ param }) => param),
              enforcement: outputEnforcement.includes('block') ? 'block' : outputEnforcement.includes('warn') ? 'warn' : 'pass',
              streamed: true,
            });
          };
          const common: GuardedStreamOptions = {
            guard: output,
            softBlock: softBlockOf(ctx, output),
            vault,
            context,
            ...(outputChecks ? { judgeChecks: outputChecks } : {}),
            holdBackChars: streamMode === 'buffer' ? Number.POSITIVE_INFINITY : output.profile.streamHoldBackChars,
            idleTimeoutMs: ctx.deployment.upstream.streamIdleTimeoutMs,
            extensions,
            onFinish,
          };
          if (ctx.endpoint === 'responses') {
            return guardResponsesStream(stream, { ...common, blockMessage: (verdicts) => outputBlockMessage(verdicts) });
          }
          return guardStreamedAnswer(stream, {
            ...common,
            endpoint: ctx.endpoint,
            choices: typeof received['n'] === 'number' ? received['n'] : 1,
          });
        },
      };
    },

    async afterUpstream(ctx, answer, input): Promise<OutputGuardResult> {
      const state = readState(input);
      if (!state) throw new Error('afterUpstream called without the input guardrails state');
      if (ctx.endpoint === 'embeddings') {
        // Vectors carry no text to check; the input report stays as it was.
        return { body: answer };
      }
      if (ctx.endpoint === 'responses') return guardResponseObject(ctx, answer, state, audit);
      const guard = guardFor(ctx.tenant, ctx.deployment.guardrails.outputProfile);
      const softBlock = softBlockOf(ctx, guard);
      const body = structuredClone(answer);
      const choices = answerChoices(ctx.endpoint, body);
      const slots = choices.flatMap((choice) => choice.slots);
      // Checked as the upstream wrote it (placeholders still in), then restored for the client:
      // the client's own data comes back to it, and only to it.
      const texts = slots.map((slot) => slot.text);
      const verdicts = await guard.check(texts, 'output', { vault: state.vault, context: state.context, ...(state.outputChecks ? { judgeChecks: state.outputChecks } : {}) });
      let warned = state.warned;
      let anyBlocked = false;
      let next = 0;
      for (const { choice, slots: choiceSlots } of choices) {
        const choiceVerdicts = verdicts.slice(next, next + choiceSlots.length);
        next += choiceSlots.length;
        const enforcement = choiceVerdicts.map((verdict) => enforcementOf(verdict.decision, softBlock));
        if (enforcement.includes('warn')) warned = true;
        if (enforcement.includes('block')) {
          anyBlocked = true;
          // One blocked text blocks its whole choice: a half-kept tool call is still a tool call.
          blockChoice(ctx.endpoint, choice, buildGuardrailsReport('output', choiceVerdicts).result_message ?? 'Blocked by the output guardrails.');
          continue;
        }
        if (choiceVerdicts.some((verdict) => verdict.redactions.length > 0)) dropLogprobs(choice);
        choiceSlots.forEach((slot, i) => slot.write(body, choiceVerdicts[i]!.redactions, (text) => restorePlaceholders(text, state.vault)));
      }
      const outputParams = slots.map((slot) => slot.param);
      const outputWarned = verdicts.some((verdict) => enforcementOf(verdict.decision, softBlock) === 'warn');
      audit(ctx, guard, { decisionId: state.decisionId, direction: 'output', texts, verdicts, params: outputParams, enforcement: anyBlocked ? 'block' : outputWarned ? 'warn' : 'pass' });
      const checked = { input: state.verdicts, output: verdicts };
      Object.assign(body, detectionsExtension(ctx, buildPolicyDetections(checked, { input: state.params, output: outputParams }), state.decisionId));
      return { body, headers: guardHeaders(checked, guard.policyVersion, warned, state.decisionId) };
    },

    afterRetrieve: (ctx, answer) => guardResponseObject(ctx, answer, null, audit),
  };
}

function outputBlockMessage(verdicts: readonly Verdict[]): string {
  return buildGuardrailsReport('output', verdicts).result_message ?? 'Blocked by the output guardrails.';
}

/**
 * A Responses answer (created, or retrieved again with no input state) through the output guard:
 * one blocked text blocks the whole answer (status incomplete, content_filter), otherwise every
 * text is written back redacted with the client's placeholders restored.
 */
async function guardResponseObject(ctx: GuardCallContext, answer: JsonObject, input: InputState | null, audit: AuditOutput): Promise<OutputGuardResult> {
  const guard = guardFor(ctx.tenant, ctx.deployment.guardrails.outputProfile);
  const softBlock = softBlockOf(ctx, guard);
  const vault = input?.vault ?? createPlaceholderVault();
  const body = structuredClone(answer);
  const slots = responsesOutputSlots(body);
  const texts = slots.map((slot) => slot.text);
  const verdicts = await guard.check(texts, 'output', { vault, ...(input ? { context: input.context } : {}), ...(input?.outputChecks ? { judgeChecks: input.outputChecks } : {}) });
  const enforcement = verdicts.map((verdict) => enforcementOf(verdict.decision, softBlock));
  // A retrieved answer has no input state: its check is a decision of its own.
  const decisionId = input?.decisionId ?? newDecisionId();
  const outputParams = slots.map((slot) => slot.param);
  audit(ctx, guard, { decisionId, direction: 'output', texts, verdicts, params: outputParams, enforcement: enforcement.includes('block') ? 'block' : enforcement.includes('warn') ? 'warn' : 'pass' });
  if (enforcement.includes('block')) blockResponse(body, outputBlockMessage(verdicts));
  else slots.forEach((slot, i) => slot.write(body, verdicts[i]!.redactions, (text) => restorePlaceholders(text, vault)));
  const checked = input ? { input: input.verdicts, output: verdicts } : { output: verdicts };
  const params = { ...(input ? { input: input.params } : {}), output: outputParams };
  Object.assign(body, detectionsExtension(ctx, buildPolicyDetections(checked, params), decisionId));
  return { body, headers: guardHeaders(checked, guard.policyVersion, (input?.warned ?? false) || enforcement.includes('warn'), decisionId) };
}
