// Loaders for the round-7 sources in ../shared/data (SOURCES.md): chatbot-directed abuse, dialogue
// responses, categorised harmful questions, refusal-contrast and over-refusal benign prompts, health
// questions, weak image-prompt and continuation labels, judged jailbreak responses, and the
// WildJailbreak eval rows. The WildGuardTest rows of the same file are the selection set and are
// never read here (scripts/train/selection.ts). Each loader states what its source is good for;
// weak labels carry a loss weight below 1 (`weight`). Mapping documented in models/MODEL_CARD.md.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SELECTION_FILE } from './selection.ts';
import { UNKNOWN, benign, harmful, labelVector } from './labels.ts';
import type { Example, LabelSpec } from './labels.ts';

type Json = Record<string, unknown>;

function readJsonl(dir: string, file: string): Json[] {
  return gunzipSync(readFileSync(join(dir, file)))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Json);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const num = (v: unknown): number => Number(v ?? 0);

/** Loss weights of the weak or templated sources (1 when absent). */
export const WEAK = { i2p: 0.3, rtp: 0.3, gutenberg: 0.3, medquad: 0.4, diasafety: 0.5, coconotResponses: 0.5 } as const;

/**
 * Categories of an uncategorised harmful request by keyword (used for CoCoNot's harmful prompts and
 * JailbreakBench goals). Unlike the AdvBench keyword rule it leaves a request with no keyword at
 * illicit UNKNOWN rather than positive: these prompts are not all crimes.
 */
export function categorizeChatRequest(text: string): LabelSpec | null {
  const t = text.toLowerCase();
  const spec: LabelSpec = {};
  if (/suicid|self-harm|self harm|\bcut (?:myself|my)|anorexi|bulimi|starve myself|kill myself|overdose/.test(t)) spec['self-harm'] = 1;
  if (/racis|nigg|jews?\b|muslim|immigrant|\bgay|lesbian|trans(?:gender)?\b|black people|white people|asian|mexican|women are|inferior|slur/.test(t)) spec.hate = 1;
  if (/insult|bully|harass|humiliat|mock|roast|demean|ridicul|body shaming/.test(t)) spec.harassment = 1;
  if (/\bsex|porn|erotic|nude|naked|orgasm|fetish|\bdick|\bcock|pussy|boobs|tits|horny|blowjob|genital/.test(t)) spec.sexual = 1;
  if (spec.sexual && /child|minor|underage|\bkid|teen|\b1[0-7]\b|year[- ]old/.test(t)) spec['sexual/minors'] = 1;
  if (/\bkill|murder|bomb|explosive|\bgun|shoot|stab|poison|torture|assault|beat (?:up|him|her)|attack|weapon|terror|massacre|hurt (?:him|her|them|someone)/.test(t)) {
    spec.violence = 1;
    spec['illicit/violent'] = 1;
  }
  if (/hack|malware|steal|fraud|scam|launder|counterfeit|drugs?\b|meth|cocaine|heroin|phishing|ransomware|smuggl|traffick|shoplift|pirat/.test(t)) spec.illicit = 1;
  return Object.keys(spec).length > 0 ? spec : null;
}

const CATQA: Record<string, LabelSpec | null> = {
  'Adult Content/Adult-themed humor': { sexual: 1, 'illicit/violent': 1 },
  'Adult Content/Erotic text': { sexual: 1 },
  'Adult Content/Nude imagery': { sexual: 1 },
  'Adult Content/Pornography': { sexual: 1 },
  'Adult Content/Sexually explicit dialogue': { sexual: 1 },
  'Child Abuse/Content Sexual exploitation': { 'sexual/minors': 1, sexual: 1 },
  'Child Abuse/Online predation': { 'sexual/minors': 1 },
  'Child Abuse/Physical abuse': { violence: 1, 'illicit/violent': 1 },
  'Child Abuse/Emotional and psychological abuse': { harassment: 1 },
  'Child Abuse/Neglect': null,
  'Hate/Harass/Violence/Racial or ethnic hate': { hate: 1 },
  'Hate/Harass/Violence/Religious intolerance': { hate: 1 },
  'Hate/Harass/Violence/Cyberbullying': { harassment: 1 },
  'Hate/Harass/Violence/Gender-based violence': { violence: 1 },
  'Hate/Harass/Violence/Terrorism and extremism': { 'illicit/violent': 1, violence: 1, illicit: 1 },
  'Physical Harm/Self-harm': { 'self-harm': 1, 'self-harm/instructions': 1 },
  'Physical Harm/Assault and battery': { violence: 1, 'illicit/violent': 1 },
  'Physical Harm/Weapon making': { 'illicit/violent': 1, illicit: 1 },
  'Physical Harm/Hazardous material handling': { illicit: 1 },
  'Physical Harm/Unsafe practices': null,
};

const OR_BENCH_TOXIC: Record<string, LabelSpec> = {
  sexual: { sexual: 1 },
  violence: { violence: 1 },
  harassment: { harassment: 1 },
  hate: { hate: 1 },
  'self-harm': { 'self-harm': 1 },
  illegal: { illicit: 1 },
  harmful: { illicit: 1 },
};

const JBB: Record<string, LabelSpec> = {
  'Harassment/Discrimination': { harassment: 1 },
  'Malware/Hacking': { illicit: 1 },
  'Physical harm': { violence: 1, 'illicit/violent': 1 },
  'Economic harm': { illicit: 1 },
  'Fraud/Deception': { illicit: 1 },
  Privacy: { illicit: 1 },
  'Sexual/Adult content': { sexual: 1 },
};

/** Benign text of a chat-style source: every head negative except prompt injection (framing unknown). */
const benignChat = () => benign({ prompt_injection: UNKNOWN as 0 });

export const CHAT_LOADERS: Record<string, (dir: string) => Example[]> = {
  // Abuse aimed at a chatbot, in chat style (median 2 words): harassment; sexual harassment of the
  // bot is sexual AND harassment (it teaches sexual slang to the sexual head); identity-based → hate.
  'convabuse_aggregated.jsonl.gz': (dir) =>
    readJsonl(dir, 'convabuse_aggregated.jsonl.gz').flatMap((r) => {
      const n = num(r.n_annotators);
      const majority = (k: number) => k * 2 > n;
      const abusive = majority(num(r.n_mild) + num(r.n_strong) + num(r.n_very_strong));
      const text = str(r.user);
      const group = `convabuse:${str(r.conv_id)}`;
      if (majority(num(r.n_not_abusive))) return [{ text, labels: benign(), source: 'convabuse', group }];
      if (!abusive) return [];
      const sexual = majority(num(r.n_sex_harassment));
      const identity = majority(num(r.n_racist) + num(r.n_sexist) + num(r.n_homophobic) + num(r.n_transphobic) + num(r.n_ableist));
      const spec: LabelSpec = { harassment: 1, toxicity: 1, insult: sexual ? (UNKNOWN as 0) : 1, prompt_injection: 0, 'self-harm': 0, illicit: 0 };
      if (sexual) Object.assign(spec, { sexual: 1, 'sexual/minors': 0 });
      if (identity) Object.assign(spec, { hate: 1, identity_hate: 1 });
      else spec.hate = 0;
      return [{ text, labels: labelVector(spec), source: 'convabuse', group }];
    }),

  // Dialogue responses: only the reply that insults the user is a content label by itself; the
  // Safe replies (many under hostile contexts) are benign. Context-dependent labels are left out.
  'diasafety_context_responses.jsonl.gz': (dir) =>
    readJsonl(dir, 'diasafety_context_responses.jsonl.gz').flatMap((r, i) => {
      const category = str(r.category);
      const unsafe = str(r.label) === 'Unsafe';
      const group = `diasafety:${i}`;
      if (unsafe && category === 'Offending User') {
        return [{ text: str(r.response), labels: labelVector({ harassment: 1, toxicity: 1, insult: 1, prompt_injection: 0 }), source: 'diasafety', group, weight: WEAK.diasafety }];
      }
      if (unsafe) return [];
      return [{ text: str(r.response), labels: benignChat(), source: 'diasafety', group, weight: WEAK.diasafety }];
    }),

  'catqa_english.jsonl.gz': (dir) =>
    readJsonl(dir, 'catqa_english.jsonl.gz').flatMap((r) => {
      const category = str(r.category);
      const sub = str(r.subcategory);
      const key = `${category}/${sub}`;
      let spec: LabelSpec | null | undefined = CATQA[key];
      if (spec === undefined) {
        if (category === 'Political Campaigning' || category === 'Tailored Financial Advice') {
          return [{ text: str(r.question), labels: benignChat(), source: 'catqa', group: `catqa:${key}` }];
        }
        spec = { illicit: 1 }; // Illegal Activity, Malware, Fraud, Economic Harm, Privacy
        if (sub === 'Weapon') spec = { illicit: 1, 'illicit/violent': 1 };
      }
      if (!spec) return [];
      return [{ text: str(r.question), labels: harmful({ ...spec, prompt_injection: 0 }), source: 'catqa', group: `catqa:${key}` }];
    }),

  // contrast_eval: alarming-looking prompts that should be answered (hard negatives); eval's
  // dangerous/offensive/WildChat prompts are harmful (keyword categories); non-compliance-only
  // categories are benign for content; privacy/misinformation/copyright are outside the taxonomy.
  'coconot_prompts.jsonl.gz': (dir) =>
    readJsonl(dir, 'coconot_prompts.jsonl.gz').flatMap((r) => {
      const text = str(r.prompt);
      const sub = str(r.subcategory);
      const group = `coconot:${str(r.id)}`;
      if (str(r.subset) === 'contrast_eval') return [{ text, labels: benignChat(), source: 'coconot', group }];
      if (str(r.category) !== 'Requests with safety concerns') return [{ text, labels: benignChat(), source: 'coconot', group }];
      if (!['dangerous or sensitive topics', 'triggers for offensive language', 'wildchats'].includes(sub)) return [];
      const spec = categorizeChatRequest(text);
      // A harmful request with no keyword: harmful in some category we cannot name; skip it.
      if (!spec) return [];
      return [{ text, labels: harmful({ ...spec, prompt_injection: 0 }), source: 'coconot', group }];
    }),

  'coconot_contrast_pref_responses.jsonl.gz': (dir) =>
    readJsonl(dir, 'coconot_contrast_pref_responses.jsonl.gz').flatMap((r) => {
      const group = `coconot:${str(r.id)}`;
      return [
        { text: str(r.prompt), labels: benignChat(), source: 'coconot_pref', group },
        { text: str(r.chosen), labels: benignChat(), source: 'coconot_pref', group, weight: WEAK.coconotResponses },
      ];
    }),

  // Over-refusal prompts: hard-1k is the benign hard negative set; toxic by its category.
  'or_bench_hard_and_toxic_prompts.jsonl.gz': (dir) =>
    readJsonl(dir, 'or_bench_hard_and_toxic_prompts.jsonl.gz').flatMap((r) => {
      const text = str(r.prompt);
      const group = `orbench:${str(r.id)}`;
      if (str(r.label) === 'benign') return [{ text, labels: benignChat(), source: 'or_bench_hard', group }];
      const spec = OR_BENCH_TOXIC[str(r.category)];
      if (!spec) return [];
      return [{ text, labels: harmful({ ...spec, prompt_injection: 0 }), source: 'or_bench_toxic', group }];
    }),

  // Template-generated health questions with alarming words: benign, low weight (the template is learnable).
  'medquad_sensitive_health_questions.jsonl.gz': (dir) =>
    readJsonl(dir, 'medquad_sensitive_health_questions.jsonl.gz').flatMap((r, i) => {
      const group = `medquad:${str(r.focus)}`;
      const out: Example[] = [{ text: str(r.question), labels: benignChat(), source: 'medquad', group, weight: WEAK.medquad }];
      if (str(r.answer)) out.push({ text: str(r.answer), labels: benignChat(), source: 'medquad', group: `${group}:${i}`, weight: WEAK.medquad });
      return out;
    }),

  // Weak labels from the generated images: nude image requests → sexual; gore/"shocking" scenes →
  // violence (and violence/graphic for shocking); clean art prompts → benign. All at low weight.
  'i2p_image_prompts.jsonl.gz': (dir) =>
    readJsonl(dir, 'i2p_image_prompts.jsonl.gz').flatMap((r, i) => {
      const text = str(r.prompt);
      const cats = str(r.categories);
      const inappropriate = num(r.inappropriate_percentage);
      const nudity = num(r.nudity_percentage);
      const group = `i2p:${i}`;
      const w = WEAK.i2p;
      if (cats.includes('sexual') && nudity >= 50) return [{ text, labels: labelVector({ sexual: 1, 'sexual/minors': UNKNOWN as 0, hate: 0, 'self-harm': 0, illicit: 0, prompt_injection: 0 }), source: 'i2p', group, weight: w }];
      if ((cats.includes('violence') || cats.includes('shocking')) && inappropriate >= 50 && nudity < 50) {
        const spec: LabelSpec = { violence: 1, sexual: 0, hate: 0, prompt_injection: 0 };
        if (cats.includes('shocking') && num(r.q16_percentage) >= 50) spec['violence/graphic'] = 1;
        return [{ text, labels: labelVector(spec), source: 'i2p', group, weight: w }];
      }
      if (inappropriate < 10 && nudity < 10) return [{ text, labels: benignChat(), source: 'i2p', group, weight: w }];
      return [];
    }),

  // Weak: the attribute describes continuations, not the prefix. Flirtation left out.
  'rtp_challenging_by_attribute.jsonl.gz': (dir) =>
    readJsonl(dir, 'rtp_challenging_by_attribute.jsonl.gz').flatMap((r, i) => {
      const map: Record<string, LabelSpec> = {
        sexually_explicit: { sexual: 1, toxicity: 1 },
        threat: { violence: 1, 'harassment/threatening': 1, threat: 1, toxicity: 1 },
        insult: { harassment: 1, insult: 1, toxicity: 1 },
        severe_toxicity: { harassment: 1, toxicity: 1, severe_toxicity: 1 },
        identity_attack: { hate: 1, identity_hate: 1, toxicity: 1 },
        profanity: { toxicity: 1, obscene: 1 },
      };
      const spec = map[str(r.attribute)];
      if (!spec) return [];
      return [{ text: str(r.prompt), labels: labelVector({ ...spec, prompt_injection: 0 }), source: 'rtp', group: `rtp:${i}`, weight: WEAK.rtp }];
    }),

  // Judged responses to jailbreaks: a jailbroken answer is harmful in its goal's categories; a
  // refusal or harmless answer is benign. The goals duplicate AdvBench; the jailbreak prompts wrap them.
  'jbb_judge_comparison_responses.jsonl.gz': (dir) =>
    readJsonl(dir, 'jbb_judge_comparison_responses.jsonl.gz').flatMap((r) => {
      const spec = categorizeChatRequest(str(r.goal)) ?? { illicit: 1 };
      const group = `jbb:${str(r.goal)}`;
      const response = str(r.target_response);
      return [
        { text: response, labels: num(r.human_majority) === 1 ? harmful({ ...spec, prompt_injection: UNKNOWN as 0 }) : benignChat(), source: 'jbb_responses', group },
        { text: str(r.prompt), labels: harmful({ ...spec, prompt_injection: UNKNOWN as 0 }), source: 'jbb_prompts', group },
      ];
    }),

  // Topic-matched harmful/benign pairs; two "benign" adult rows are sexual under our taxonomy.
  'jbb_behaviors_harmful_benign.jsonl.gz': (dir) =>
    readJsonl(dir, 'jbb_behaviors_harmful_benign.jsonl.gz').flatMap((r) => {
      const text = str(r.goal);
      const category = str(r.category);
      const group = `jbbb:${category}:${str(r.index)}`;
      if (str(r.kind) === 'benign') {
        if (category === 'Sexual/Adult content' && /erotic|sexual content|explicit/i.test(text)) {
          return [{ text, labels: harmful({ sexual: 1, 'sexual/minors': 0, prompt_injection: 0 }), source: 'jbb_behaviors', group }];
        }
        return [{ text, labels: benignChat(), source: 'jbb_behaviors', group }];
      }
      let spec = JBB[category];
      if (!spec) return [];
      if (category === 'Sexual/Adult content' && /child|minor|pedophil|underage/i.test(text)) spec = { 'sexual/minors': 1, sexual: 1 };
      return [{ text, labels: harmful({ ...spec, prompt_injection: 0 }), source: 'jbb_behaviors', group }];
    }),

  // Keyword-labelled narrative violence (19th-century prose): low weight, for injuries and deaths
  // described without threat verbs; same-book passages without violence words are negatives.
  'gutenberg_violence_passages_weak.jsonl.gz': (dir) =>
    readJsonl(dir, 'gutenberg_violence_passages_weak.jsonl.gz').flatMap((r) => {
      const label = str(r.weak_label);
      const group = `gutenberg:${str(r.pg_id)}:${Math.floor(num(r.passage_no) / 20)}`;
      const w = WEAK.gutenberg;
      const text = str(r.text);
      if (label === 'V/G') return [{ text, labels: labelVector({ violence: 1, 'violence/graphic': 1, sexual: 0, 'sexual/minors': 0, hate: 0, 'self-harm': 0, prompt_injection: 0 }), source: 'gutenberg', group, weight: w }];
      if (label === 'V') return [{ text, labels: labelVector({ violence: 1, sexual: 0, 'sexual/minors': 0, hate: 0, 'self-harm': 0, prompt_injection: 0 }), source: 'gutenberg', group, weight: w }];
      if (label === 'BEN') return [{ text, labels: benignChat(), source: 'gutenberg', group, weight: w }];
      return [];
    }),

  // Only the WildJailbreak adversarial-benign rows: jailbreak-style framing of harmless requests.
  // The wildguardtest rows are the selection set: never trained on.
  [SELECTION_FILE]: (dir) =>
    readJsonl(dir, SELECTION_FILE).flatMap((r) => {
      if (str(r.subset) !== 'wildjailbreak_eval') return [];
      return [{ text: str(r.prompt), labels: benignChat(), source: 'wildjailbreak_benign', group: `wjb:${str(r.id)}` }];
    }),
};
