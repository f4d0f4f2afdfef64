// Precision and recall of the injection pre-filter (and, with --model, the shipped classifier's
// prompt_injection head) on fixtures/security/injection-set.ts, overall and per language.
// Run: npm run eval:injection [-- --set tuned|heldout] [--model models/moderation-classifier.onnx]

import { parseArgs } from 'node:util';
import { INJECTION_HELDOUT } from '../fixtures/security/injection-heldout.ts';
import { INJECTION_SET as TUNED_SET, type LabelledText } from '../fixtures/security/injection-set.ts';
import { buildDetectors, runDetectors } from '../src/guard/detectors/index.ts';
import { createRe2Engine } from '../src/node/re2-engine.ts';

const { values } = parseArgs({ options: { set: { type: 'string', default: 'tuned' }, model: { type: 'string' }, threshold: { type: 'string', default: '0.8' }, head: { type: 'string', default: '0.5' } } });
const ruleThreshold = Number(values.threshold);
const INJECTION_SET = values.set === 'heldout' ? INJECTION_HELDOUT : TUNED_SET;
console.log(`set: ${values.set} (${INJECTION_SET.length} texts)`);
const detectors = buildDetectors({ injection: { enabled: true } }, createRe2Engine());

type Predict = (items: readonly LabelledText[]) => Promise<boolean[]>;

const rules: Predict = async (items) => items.map((item) => runDetectors(detectors, item.text).some((f) => f.detector === 'injection_attack' && f.score >= ruleThreshold));

function report(name: string, predictions: readonly boolean[]): void {
  const langs = [...new Set(INJECTION_SET.map((item) => item.lang))];
  const score = (filter: (item: LabelledText) => boolean) => {
    let tp = 0, fp = 0, fn = 0, tn = 0;
    INJECTION_SET.forEach((item, i) => {
      if (!filter(item)) return;
      const p = predictions[i]!;
      if (p && item.label === 1) tp++;
      else if (p) fp++;
      else if (item.label === 1) fn++;
      else tn++;
    });
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
    return `P ${precision.toFixed(2)} R ${recall.toFixed(2)} (tp ${tp} fp ${fp} fn ${fn} tn ${tn})`;
  };
  console.log(`\n${name}`);
  console.log(`  all   ${score(() => true)}`);
  for (const lang of langs) console.log(`  ${lang}    ${score((item) => item.lang === lang)}`);
  const missed = INJECTION_SET.filter((item, i) => item.label === 1 && !predictions[i]);
  const false_ = INJECTION_SET.filter((item, i) => item.label === 0 && predictions[i]);
  if (missed.length) console.log(`  missed: ${missed.map((m) => `[${m.lang}] ${m.text}`).join(' | ')}`);
  if (false_.length) console.log(`  false positives: ${false_.map((m) => `[${m.lang}] ${m.text}`).join(' | ')}`);
}

const ruleHits = await rules(INJECTION_SET);
report(`injection rules (score >= ${ruleThreshold})`, ruleHits);

if (values.model) {
  const { loadClassifier } = await import('../src/node/classifier.ts');
  const classifier = await loadClassifier(values.model);
  const headThreshold = Number(values.head);
  const results = await classifier.classify(INJECTION_SET.map((item) => item.text));
  const head = results.map((r) => (r.scores.prompt_injection ?? 0) >= headThreshold);
  report(`classifier prompt_injection head (>= ${headThreshold})`, head);
  report('rules OR classifier head', ruleHits.map((hit, i) => hit || head[i]!));
}
