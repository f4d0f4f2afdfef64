// A deployment's judge-backed checks (`guardrails.judge_checks`) for one direction of one request:
// the tenant's policy text, and on output bias, relevancy (against the request's last user
// question) and hallucination (against `enkrypt_context`, the context the request supplied). A check
// whose input is missing (no question, no context) is not asked.

import type { JudgeCheckOptions } from '../guard/types.ts';
import { isJsonObject, type JsonObject } from '../http/json.ts';
import type { LoadedDeployment } from '../policy/types.ts';
import type { GuardedEndpoint } from './seam.ts';

/** The text of a message content (a string, or its text parts joined by a newline). */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const parts = content.filter(isJsonObject).flatMap((part) => ((part['type'] === 'text' || part['type'] === 'input_text') && typeof part['text'] === 'string' ? [part['text']] : []));
  return parts.length > 0 ? parts.join('\n') : null;
}

/** What the answer should address: the last user message (chat, Responses), or the prompt (completions). */
export function questionOf(endpoint: GuardedEndpoint, body: JsonObject): string | null {
  if (endpoint === 'completions') return typeof body['prompt'] === 'string' ? body['prompt'] : null;
  if (endpoint === 'responses' && typeof body['input'] === 'string') return body['input'];
  const messages = Array.isArray(body['messages']) ? body['messages'] : Array.isArray(body['input']) ? body['input'] : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (isJsonObject(message) && message['role'] === 'user') return contentText(message['content']);
  }
  return null;
}

/** `enkryptContext`: the request's `enkrypt_context`, which the route takes off the body before the guardrails see it. */
export function judgeChecksFor(deployment: LoadedDeployment, direction: 'input' | 'output', endpoint: GuardedEndpoint, body: JsonObject, enkryptContext?: string | null): JudgeCheckOptions | undefined {
  const configured = deployment.guardrails.judgeChecks;
  if (!configured) return undefined;
  const checks: { -readonly [K in keyof JudgeCheckOptions]: JudgeCheckOptions[K] } = {};
  const policy = configured.policyViolation;
  if (policy && (direction === 'input' ? policy.input : policy.output)) checks.policy_violation = { name: policy.name, policy: policy.policy, action: policy.action };
  if (direction === 'output' && endpoint !== 'embeddings') {
    if (configured.bias) checks.bias = { action: configured.bias.action };
    const question = questionOf(endpoint, body);
    if (configured.relevancy && question) checks.relevancy = { question, action: configured.relevancy.action };
    const context = enkryptContext ?? body['enkrypt_context'];
    if (configured.hallucination && typeof context === 'string' && context.trim() !== '') checks.hallucination = { context, action: configured.hallucination.action };
  }
  return Object.keys(checks).length > 0 ? checks : undefined;
}
