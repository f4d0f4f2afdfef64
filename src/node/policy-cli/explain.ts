// `policy explain`: one text through every stage of a tenant profile, printed with why the
// decision is what it is; or, by `--decision ID`, that decision's audit record replayed on the
// current policy when its content was kept (the tenant's audit.include_content).

import { readFile } from 'node:fs/promises';
import { MODERATION_CATEGORIES } from '../../categories.ts';
import { bandAction } from '../../guard/decision.ts';
import type { Direction, Guard, Verdict } from '../../guard/types.ts';
import { DECISION_ID, type AuditRecord } from '../../ops/audit.ts';
import { CliError } from './load.ts';

export function describeVerdict(guard: Guard, text: string, verdict: Verdict): string {
  const bands = guard.profile[verdict.direction].bands;
  const lines = [`profile ${verdict.profile} (${verdict.direction}), policy ${verdict.policyVersion.slice(0, 12)}, model ${verdict.classifier.version}`];
  lines.push(`decision: ${verdict.decision}`);
  lines.push('', `pre-filters (${verdict.latencyMs.prefilters.toFixed(1)} ms):`);
  const prefilter = verdict.detections.filter((d) => !d.ruleId.startsWith('classifier.') && d.detector !== 'judge');
  if (prefilter.length === 0) lines.push('  nothing found');
  for (const d of prefilter) {
    const where = d.span ? ` at ${d.span.start}-${d.span.end}` : '';
    lines.push(`  ${d.ruleId} (${d.detector}, ${d.category}, score ${d.score.toFixed(2)})${where}: ${d.action}${d.enforced ? '' : ' (monitor: not enforced)'}`);
  }
  lines.push('', `classifier: ${verdict.classifier.status} (${verdict.latencyMs.classifier.toFixed(1)} ms)`);
  for (const category of MODERATION_CATEGORIES) {
    const score = verdict.categoryScores[category];
    const band = bands[category];
    const action = bandAction(band, score);
    if (score < 0.05 && !action) continue;
    const thresholds = `review ${band.review ?? '-'}, block ${band.block ?? '-'}${band.mode === 'monitor' ? ', monitor' : ''}`;
    lines.push(`  ${category.padEnd(24)} ${score.toFixed(3)}  [${thresholds}] → ${action ?? 'below review'}`);
  }
  for (const [head, score] of Object.entries(verdict.auxiliaryScores)) if ((score ?? 0) >= 0.05) lines.push(`  ${head.padEnd(24)} ${(score ?? 0).toFixed(3)}  (auxiliary head)`);
  lines.push('', `judge: ${verdict.judge ? `${verdict.judge.decision}${verdict.judge.enforced ? '' : ' (monitor)'}${verdict.judge.rationale ? `: ${verdict.judge.rationale}` : ''}` : 'not asked'}`);
  if (verdict.degraded.length > 0) {
    lines.push('', 'degraded checks:');
    for (const d of verdict.degraded) lines.push(`  ${d.stage}: ${d.reason}, on_error ${d.onError} → ${d.outcome}`);
  }
  lines.push('', `why: ${why(verdict)}`);
  if (verdict.redactions.length > 0) lines.push(`redacted text: ${verdict.redactedText}`);
  void text;
  return lines.join('\n');
}

function why(verdict: Verdict): string {
  const enforced = verdict.detections.filter((d) => d.enforced);
  const list = (action: string) => [...new Set(enforced.filter((d) => d.action === action).map((d) => d.ruleId))].join(', ');
  switch (verdict.decision) {
    case 'block':
      return verdict.degraded.some((d) => d.outcome === 'blocked') ? `a check failed closed${list('block') ? `; blocking rules: ${list('block')}` : ''}` : `blocking rules: ${list('block') || 'the judge blocked the gray band'}`;
    case 'soft_block':
      return `in the gray band (or a soft_block rule): ${list('soft_block')}; the deployment's soft_block setting decides block or warn`;
    case 'allow_with_redaction':
      return `allowed after redacting: ${[...new Set(enforced.filter((d) => d.action === 'redact' || d.action === 'placeholder').map((d) => d.ruleId))].join(', ')}`;
    default: {
      const reported = verdict.detections.filter((d) => !d.enforced || d.action === 'report').map((d) => d.ruleId);
      return reported.length > 0 ? `nothing enforced; reported only: ${[...new Set(reported)].join(', ')}` : 'no rule fired and every score is below its review threshold';
    }
  }
}

/** The audit records of one decision id from a JSON-lines audit file. */
export async function findDecision(auditPath: string, decisionId: string): Promise<AuditRecord[]> {
  if (!DECISION_ID.test(decisionId)) throw new CliError(`--decision ${decisionId}: not a decision id (dec_ and 32 hex digits)`);
  const text = await readFile(auditPath, 'utf8').catch((error: Error) => {
    throw new CliError(`--audit ${auditPath}: ${error.message}`);
  });
  const found: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(decisionId)) continue;
    try {
      const record = JSON.parse(line) as AuditRecord;
      if (record.log === 'audit' && record.decision_id === decisionId) found.push(record);
    } catch {
      // A line of another log sharing the stream.
    }
  }
  if (found.length === 0) throw new CliError(`no audit record for ${decisionId} in ${auditPath}`);
  return found;
}

export interface Replay {
  readonly record: AuditRecord;
  readonly replayed: Array<{ param: string | null; before: string; after: Verdict | null; contentMode: string | null }>;
}

/** Each kept text of each record re-checked by the guard `guardFor` picks (the record's tenant and profile, now). */
export async function replayDecision(records: readonly AuditRecord[], guardFor: (record: AuditRecord) => Guard): Promise<Replay[]> {
  const replays: Replay[] = [];
  for (const record of records) {
    const guard = guardFor(record);
    const kept = record.texts.map((t) => t.content);
    const texts = kept.filter((content): content is string => content !== undefined);
    const verdicts = texts.length > 0 ? await guard.check(texts, record.direction as Direction) : [];
    let next = 0;
    replays.push({
      record,
      replayed: record.texts.map((t) => ({ param: t.param, before: t.decision, after: t.content === undefined ? null : verdicts[next++]!, contentMode: t.content_mode ?? null })),
    });
  }
  return replays;
}
