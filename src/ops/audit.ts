// The audit seam: one JSON record per guard decision (one direction of one request), written to
// its own stream (AUDIT_LOG) by the runtime's sink. Records carry identities, digests, scores,
// rule ids and timings; the checked text only when the tenant opted in (`audit.include_content`).

export type AuditContentMode = 'none' | 'redacted' | 'full';

export interface AuditText {
  /** Where the text came from (`messages[1].content`, `input[0]`), when known. */
  readonly param: string | null;
  /** Hex SHA-256 of the text as checked (before redaction). */
  readonly sha256: string;
  readonly chars: number;
  readonly decision: string;
  /** All 13 moderation categories, rounded to 4 decimals. */
  readonly scores: Readonly<Record<string, number>>;
  readonly rule_ids: readonly string[];
  readonly detections: ReadonlyArray<{ readonly rule_id: string; readonly category: string; readonly action: string; readonly enforced: boolean }>;
  readonly degraded: ReadonlyArray<{ readonly stage: string; readonly reason: string; readonly outcome: string }>;
  readonly classifier_status: string;
  readonly judge: { readonly used: boolean; readonly decision: string | null; readonly enforced: boolean | null };
  readonly latency_ms: Readonly<Record<string, number>>;
  /** Only with include_content: `redacted` (the redacted text) or `full` (the text as checked). */
  readonly content?: string;
  readonly content_mode?: 'redacted' | 'full';
}

export interface AuditRecord {
  /** Always `audit`, so the lines can be told apart when AUDIT_LOG shares stdout. */
  readonly log: 'audit';
  readonly decision_id: string;
  readonly request_id: string;
  readonly time: string;
  readonly tenant: string;
  readonly deployment: string;
  readonly tags: readonly string[];
  /** chat.completions, completions, embeddings, moderations, ... */
  readonly endpoint: string;
  readonly direction: 'input' | 'output';
  readonly profile: string;
  readonly policy_version: string;
  readonly model_version: string;
  /** The worst decision over the texts, and what the proxy did with it (block, warn, pass). */
  readonly decision: string;
  readonly enforcement: string;
  readonly streamed: boolean;
  /** Per stage over the texts: pre-filters summed, classifier and judge the longest. */
  readonly latency_ms: Readonly<Record<string, number>>;
  readonly texts: readonly AuditText[];
}

export interface AuditSink {
  write(record: AuditRecord): void;
}

export const noopAuditSink: AuditSink = { write: () => {} };

/** `dec_` and 32 hex digits: unique per request, in the response header and policy_detections. */
export function newDecisionId(): string {
  return `dec_${crypto.randomUUID().replace(/-/g, '')}`;
}

/** Accepts only ids newDecisionId could have made (the CLI looks them up). */
export const DECISION_ID = /^dec_[0-9a-f]{32}$/;
