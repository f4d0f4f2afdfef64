// Builds the audit record of one guard decision (one direction of one request) from its verdicts
// and the request's identities: digests, scores, rule ids, judge and timings; the text itself only
// as the tenant's `audit.include_content` allows. The sink (src/ops/audit.ts) writes it.

import { sha256Hex } from '../digest.ts';
import type { Direction, GuardedTenant, Verdict } from '../guard/types.ts';
import type { AuditContentMode, AuditRecord, AuditSink, AuditText } from '../ops/audit.ts';
import { worstDecision } from './report.ts';

export interface AuditDecision {
  readonly sink: AuditSink;
  readonly decisionId: string;
  readonly requestId: string;
  readonly tenant: GuardedTenant;
  readonly deployment: string;
  readonly tags: readonly string[];
  readonly endpoint: string;
  readonly direction: Direction;
  /** The texts as checked, in the verdicts' order. */
  readonly texts: readonly string[];
  readonly verdicts: readonly Verdict[];
  readonly params?: readonly string[];
  /** What the proxy did: block, warn (soft_block passed with a warning) or pass. */
  readonly enforcement: 'block' | 'warn' | 'pass';
  readonly streamed?: boolean;
  /** The guard's profile and version, for a decision over no text. */
  readonly profile: string;
  readonly policyVersion: string;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function contentModeOf(tenant: GuardedTenant): AuditContentMode {
  return tenant.definition.audit?.include_content ?? 'none';
}

function auditText(text: string, sha256: string, verdict: Verdict, param: string | null, mode: AuditContentMode): AuditText {
  const entry: AuditText = {
    param,
    sha256,
    chars: text.length,
    decision: verdict.decision,
    scores: Object.fromEntries(Object.entries(verdict.categoryScores).map(([category, score]) => [category, round(score, 4)])),
    rule_ids: [...new Set(verdict.detections.map((d) => d.ruleId))],
    detections: verdict.detections.map((d) => ({ rule_id: d.ruleId, category: d.category, action: d.action, enforced: d.enforced })),
    degraded: verdict.degraded.map((d) => ({ stage: d.stage, reason: d.reason, outcome: d.outcome })),
    classifier_status: verdict.classifier.status,
    judge: verdict.judge ? { used: true, decision: verdict.judge.decision, enforced: verdict.judge.enforced } : { used: false, decision: null, enforced: null },
    latency_ms: Object.fromEntries(Object.entries(verdict.latencyMs).map(([stage, ms]) => [stage, round(ms, 3)])),
  };
  if (mode === 'none') return entry;
  return { ...entry, content: mode === 'full' ? text : verdict.redactedText, content_mode: mode };
}

export function buildAuditRecord(decision: AuditDecision): AuditRecord {
  const mode = contentModeOf(decision.tenant);
  // The guard hashed every text it checked (Verdict.textSha256, the classifier cache key's digest
  // too). A moderated stream's output verdicts are of windows of the field, while the record
  // names the whole field: that text is hashed here, once per field however many windows.
  const windowed = decision.streamed === true && decision.direction === 'output';
  const fieldDigests = new Map<string, string>();
  const digestOf = (text: string, verdict: Verdict): string => {
    if (!windowed) return verdict.textSha256;
    let digest = fieldDigests.get(text);
    if (digest === undefined) fieldDigests.set(text, (digest = sha256Hex(text)));
    return digest;
  };
  const { verdicts } = decision;
  const first = verdicts[0];
  const latency = { prefilters: 0, classifier: 0, judge: 0 };
  for (const verdict of verdicts) {
    latency.prefilters += verdict.latencyMs.prefilters;
    latency.classifier = Math.max(latency.classifier, verdict.latencyMs.classifier);
    latency.judge = Math.max(latency.judge, verdict.latencyMs.judge);
  }
  return {
    log: 'audit',
    decision_id: decision.decisionId,
    request_id: decision.requestId,
    time: new Date().toISOString(),
    tenant: decision.tenant.name,
    deployment: decision.deployment,
    tags: [...decision.tags],
    endpoint: decision.endpoint,
    direction: decision.direction,
    profile: first?.profile ?? decision.profile,
    policy_version: first?.policyVersion ?? decision.policyVersion,
    model_version: first?.classifier.version ?? '',
    decision: worstDecision(verdicts),
    enforcement: decision.enforcement,
    streamed: decision.streamed ?? false,
    latency_ms: { prefilters: round(latency.prefilters, 3), classifier: round(latency.classifier, 3), judge: round(latency.judge, 3) },
    texts: verdicts.map((verdict, i) => {
      const text = decision.texts[i] ?? '';
      return auditText(text, digestOf(text, verdict), verdict, decision.params?.[i] ?? null, mode);
    }),
  };
}

/** Builds and writes the record; a failing sink never fails the request. */
export function writeAudit(decision: AuditDecision): void {
  try {
    decision.sink.write(buildAuditRecord(decision));
  } catch {
    // The sink reports its own failures (the Node sink logs them); the answer goes out regardless.
  }
}
