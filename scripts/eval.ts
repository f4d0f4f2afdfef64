// `npm run eval -- --data FILE.jsonl [--model models/moderation-classifier.onnx] [--profile default] [--by-source]`
// or `npm run eval -- --selection [DIR]` (the WildGuardTest selection set read from ../shared/data, see
// scripts/train/selection.ts: any-harmful AUPRC, per mapped category, flagged shares per shipped profile):
// scores the shipped ONNX classifier on a file in OpenAI's moderation-evaluation format
// (github.com/openai/moderation-api-release: {"prompt", "S", "H", "V", "HR", "SH", "S3", "H2", "V2"},
// a missing key = unknown) and prints per-category AUPRC, then precision and recall twice: at the
// model's own F1-chosen thresholds (its metadata) and where the proxy flags under a shipped threshold
// profile (the input direction's review threshold, else its block threshold); any-flagged F1 for both.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MODERATION_CATEGORIES } from '../src/categories.ts';
import { loadOnnxClassifier } from '../src/node/onnx-classifier.ts';
import { flagThreshold } from '../src/guard/decision.ts';
import { readPolicyFiles } from '../src/node/policy-files.ts';
import { loadShippedProfiles } from '../src/policy/profiles/resolve.ts';
import { EVAL_KEYS } from '../src/ops/evaluation.ts';
import { averagePrecision, statsAt } from './train/metrics.ts';
import { formatBands, formatSelectionReport, loadSelectionSet } from './train/selection.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const rowSchema = z
  .object({ prompt: z.string(), source: z.string().optional() })
  .catchall(z.unknown())
  .transform((row) => {
    const labels: Record<string, 0 | 1> = {};
    for (const key of Object.keys(EVAL_KEYS)) {
      const v = row[key];
      if (v === 0 || v === 1) labels[key] = v;
      else if (v === '0' || v === '1') labels[key] = v === '1' ? 1 : 0;
    }
    return { prompt: row.prompt, source: row.source, labels };
  });

function parseArgs(argv: string[]) {
  let data: string | undefined;
  let selection: string | undefined;
  let model = join(REPO_ROOT, 'models', 'moderation-classifier.onnx');
  let bySource = false;
  let profile = 'default';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--data') data = argv[++i];
    else if (argv[i] === '--model') model = resolve(argv[++i] ?? '');
    else if (argv[i] === '--profile') profile = argv[++i] ?? '';
    else if (argv[i] === '--by-source') bySource = true;
    else if (argv[i] === '--selection') selection = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? resolve(argv[++i]!) : join(REPO_ROOT, '..', 'shared', 'data');
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!data && !selection) throw new Error('usage: npm run eval -- --data FILE.jsonl | --selection [DIR] [--model PATH.onnx] [--profile NAME] [--by-source]');
  return { data: data ? resolve(data) : undefined, selection, model, bySource, profile };
}

/** Where a shipped profile starts acting on each category (input side): the score at which it flags. */
async function profileThresholds(name: string): Promise<Partial<Record<string, number>>> {
  const sources = await readPolicyFiles(join(REPO_ROOT, 'policies', 'profiles'), 'policies/profiles');
  const profile = loadShippedProfiles(sources).get(name);
  if (!profile) throw new Error(`--profile ${name}: no such shipped profile`);
  const thresholds: Partial<Record<string, number>> = {};
  for (const category of MODERATION_CATEGORIES) {
    const at = flagThreshold(profile.input.bands[category]);
    if (at !== null) thresholds[category] = at;
  }
  return thresholds;
}

interface ThresholdSet {
  readonly name: string;
  readonly thresholds: Partial<Record<string, number>>;
}

type Row = z.infer<typeof rowSchema>;

function report(title: string, rows: Row[], scores: Array<Partial<Record<string, number>>>, sets: readonly ThresholdSet[]): void {
  const header = ['key', 'category', 'AUPRC', ...sets.flatMap((set) => [`P @ ${set.name}`, `R @ ${set.name}`, `t ${set.name}`]), 'positives / known'];
  const lines: string[] = [`\n## ${title} (${rows.length} rows)`, '', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  const auprcs: number[] = [];
  for (const [key, head] of Object.entries(EVAL_KEYS)) {
    const s: number[] = [];
    const y: number[] = [];
    rows.forEach((row, i) => {
      const label = row.labels[key];
      if (label === undefined) return;
      s.push(scores[i]![head] ?? 0);
      y.push(label);
    });
    const ap = averagePrecision(s, y);
    if (!Number.isNaN(ap)) auprcs.push(ap);
    const cells = sets.flatMap(({ thresholds }) => {
      const t = thresholds[head] ?? 0.5;
      const at = statsAt(s, y, t);
      return [at.precision.toFixed(3), at.recall.toFixed(3), t.toFixed(2)];
    });
    const positives = y.filter((v) => v === 1).length;
    lines.push(`| ${key} | ${head} | ${Number.isNaN(ap) ? '-' : ap.toFixed(3)} | ${cells.join(' | ')} | ${positives} / ${y.length} |`);
  }
  const mean = auprcs.reduce((a, b) => a + b, 0) / (auprcs.length || 1);
  lines.push('', `mean AUPRC over ${auprcs.length} categories with positives: ${mean.toFixed(3)}`);
  // Any-flagged: a row is unsafe if any known key is 1; flagged if any mapped head passes its threshold.
  for (const { name, thresholds } of sets) {
    const anyScores: number[] = [];
    const anyLabels: number[] = [];
    rows.forEach((row, i) => {
      const keys = Object.keys(row.labels);
      if (keys.length === 0) return;
      anyLabels.push(keys.some((k) => row.labels[k] === 1) ? 1 : 0);
      anyScores.push(Object.values(EVAL_KEYS).some((head) => (scores[i]![head] ?? 0) >= (thresholds[head] ?? 0.5)) ? 1 : 0);
    });
    const any = statsAt(anyScores, anyLabels, 0.5);
    lines.push(`any-flagged @ ${name}: precision ${any.precision.toFixed(3)}, recall ${any.recall.toFixed(3)}, F1 ${any.f1.toFixed(3)} (${any.positives} unsafe / ${anyLabels.length})`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The selection set under the model's thresholds and every shipped profile. */
async function selectionMain(dir: string, modelPath: string): Promise<void> {
  const rows = loadSelectionSet(dir);
  const classifier = await loadOnnxClassifier({ modelPath, maxBatch: 256 });
  const scores: Array<Partial<Record<string, number>>> = [];
  for (let i = 0; i < rows.length; i += 256) {
    for (const r of await classifier.classify(rows.slice(i, i + 256).map((row) => row.prompt))) scores.push(r.scores);
  }
  const sets: ThresholdSet[] = [{ name: 'model', thresholds: classifier.thresholds }];
  for (const name of ['default', 'strict', 'kids', 'research']) sets.push({ name, thresholds: await profileThresholds(name) });
  process.stdout.write(`model ${classifier.version}\n${formatSelectionReport(rows, scores, sets)}\n`);
  process.stdout.write(`\n## where precision reaches each target on the selection set, per head (precision: harmful share of the prompts the head flags; own recall: of the subcategories it scores)\n\n${formatBands(rows, scores)}\n`);
  await classifier.close();
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.selection) return selectionMain(options.selection, options.model);
  if (!options.data) return;
  const data = options.data;
  const rows = readFileSync(data, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      const parsed = rowSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${data}:${i + 1}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
  const classifier = await loadOnnxClassifier({ modelPath: options.model, maxBatch: 256 });
  const scores: Array<Partial<Record<string, number>>> = [];
  for (let i = 0; i < rows.length; i += 256) {
    const batch = await classifier.classify(rows.slice(i, i + 256).map((r) => r.prompt));
    for (const r of batch) scores.push(r.scores);
  }
  const sets: ThresholdSet[] = [
    { name: 'model', thresholds: classifier.thresholds },
    { name: options.profile, thresholds: await profileThresholds(options.profile) },
  ];
  process.stdout.write(`model ${classifier.version}, data ${data}; thresholds: "model" = the model's F1-chosen defaults, "${options.profile}" = where that profile starts acting (review, else block)\n`);
  report('all rows', rows, scores, sets);
  if (options.bySource) {
    const sources = [...new Set(rows.map((r) => r.source ?? '(none)'))].sort();
    for (const source of sources) {
      const idx = rows.map((r, i) => ((r.source ?? '(none)') === source ? i : -1)).filter((i) => i >= 0);
      report(`source ${source}`, idx.map((i) => rows[i]!), idx.map((i) => scores[i]!), sets);
    }
  }
  await classifier.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
