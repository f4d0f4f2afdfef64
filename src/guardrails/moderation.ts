// POST /v1/moderations on the guard engine: OpenAI's moderation input mapped onto ONE guard.check
// batch (the same engine call guarded chat makes), and the verdicts back onto OpenAI's result
// shape for all 13 categories, extended with our decision, redactions and detections.

import { HttpError } from '../errors.ts';
import type { Guard, GuardedTenant, Verdict } from '../guard/types.ts';
import type { LoadedDeployment } from '../policy/types.ts';
import type { ModerationRequest } from '../validation/moderations.ts';
import { degradedHeaderValue, GUARD_DEGRADED_HEADER, GUARD_POLICY_VERSION_HEADER, toModerationResult, type ModerationResult } from './report.ts';

/** One input as the guard sees it, plus what was not classified. */
export interface ModerationInput {
  readonly text: string;
  readonly hasText: boolean;
  readonly imageParts: number;
}

/**
 * A string or each string of an array is one input. An array of parts is ONE multi-modal input
 * (as in OpenAI's API): its text parts are joined with "\n" (offsets refer to that joined text)
 * and its images are counted, not classified.
 */
export function toInputs(input: ModerationRequest['input']): ModerationInput[] {
  if (typeof input === 'string') return [{ text: input, hasText: true, imageParts: 0 }];
  if (input.every((item): item is string => typeof item === 'string')) return input.map((text) => ({ text, hasText: true, imageParts: 0 }));
  const parts = input.filter((item) => typeof item !== 'string');
  const texts = parts.flatMap((part) => (part.type === 'text' ? [part.text] : []));
  return [{ text: texts.join('\n'), hasText: texts.length > 0, imageParts: parts.length - texts.length }];
}

export interface ModerationProfileChoice {
  readonly tenant: GuardedTenant;
  readonly deployment: LoadedDeployment;
  /** Whether the request named its deployment; otherwise the tenant's `default` profile applies. */
  readonly namedDeployment: boolean;
  /** `model_extras.profile`, when given. */
  readonly requested: string | undefined;
}

/** `model_extras.profile`, else the named deployment's input profile, else the tenant's `default`. */
export function moderationProfile(choice: ModerationProfileChoice): string {
  const { tenant, requested } = choice;
  if (requested !== undefined) {
    // Unknown and other tenants' profiles get the same answer: existence is never revealed.
    if (!tenant.profiles.has(requested)) {
      throw new HttpError(400, `The profile '${requested}' does not exist or you do not have access to it.`, { param: 'model_extras.profile', code: 'profile_not_found' });
    }
    return requested;
  }
  return choice.namedDeployment ? choice.deployment.guardrails.inputProfile : 'default';
}

/** A moderation answer's `id`: `modr-` and 32 hex digits, like OpenAI's. */
export function newModerationId(): string {
  return `modr-${crypto.randomUUID().replace(/-/g, '')}`;
}

/** Every input checked by `guard` in one batch: OpenAI-shaped results and the X-Guard-* headers. */
export async function moderateInputs(
  guard: Guard,
  input: ModerationRequest['input'],
): Promise<{ results: ModerationResult[]; headers: Record<string, string>; texts: string[]; verdicts: Verdict[] }> {
  const inputs = toInputs(input);
  // Rule evidence raises the classifier's scores, never replaces them (scoreBlocked).
  const verdicts = await guard.check(inputs.map((item) => item.text), 'input', { scoreBlocked: true, reportLanguage: true });
  const results = verdicts.map((verdict, i) => toModerationResult(verdict, { hasText: inputs[i]!.hasText, imageParts: inputs[i]!.imageParts }));
  const headers: Record<string, string> = { [GUARD_POLICY_VERSION_HEADER]: guard.policyVersion };
  const degraded = degradedHeaderValue({ input: verdicts });
  if (degraded) headers[GUARD_DEGRADED_HEADER] = degraded;
  return { results, headers, texts: inputs.map((item) => item.text), verdicts };
}
