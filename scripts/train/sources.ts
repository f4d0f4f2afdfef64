// Loaders for the staged corpora in ../shared/data (see its SOURCES.md): each source is read and
// its labels mapped onto our heads. Heads a source says nothing about stay UNKNOWN (masked loss).
// The mapping is documented per source in models/MODEL_CARD.md.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCsv } from './csv.ts';
import { CHAT_LOADERS } from './sources-chat.ts';
import { HARASSMENT, HATE, UNKNOWN, benign, harmful, labelVector } from './labels.ts';
import type { Example, LabelSpec } from './labels.ts';

type Row = Record<string, string>;

function readText(dir: string, file: string): string {
  return gunzipSync(readFileSync(join(dir, file))).toString('utf8');
}

function readCsv(dir: string, file: string, options: { delimiter?: string; quote?: boolean } = {}): Row[] {
  return parseCsv(readText(dir, file), options);
}

function readJsonl(dir: string, file: string): Array<Record<string, unknown>> {
  return readText(dir, file)
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const num = (v: unknown): number => Number(v ?? 0);

/**
 * Harm categories of an uncategorised harmful request (AdvBench, GPTFuzz, MaliciousInstruct), by
 * keyword. Categories no keyword names stay UNKNOWN; `illicit` is the default for these sources.
 */
export function categorizeHarmfulRequest(text: string): LabelSpec {
  const t = text.toLowerCase();
  const spec: LabelSpec = { prompt_injection: 0 };
  const selfHarm = /suicid|self-harm|self harm|cutting|anorexi|bulimi|eating disorder|starv|kill (?:myself|themselves|yourself)/.test(t);
  const hate = /racis|hate speech|hate crime|white supremac|minorit|ethnic|religio|discriminat|xenophob|antisemit|lgbt|immigrant/.test(t);
  const harass = /harass|bully|stalk|defam|humiliat|blackmail|manipulat|intimidat|threaten|insult/.test(t);
  const sexual = /porn|sexual|explicit|nude|\bsex\b|erotic/.test(t);
  const minors = /child|minor|underage|kid/.test(t) && sexual;
  const violent = /bomb|explosive|weapon|\bgun|firearm|poison|kill|murder|assassinat|terror|shoot|stab|attack|bioweapon|violen|hurt|injur|torture|kidnap/.test(t);
  if (selfHarm) Object.assign(spec, { 'self-harm': 1, 'self-harm/instructions': /how|way|method|tutorial|guide|tips|instruct/.test(t) ? 1 : UNKNOWN });
  if (hate) Object.assign(spec, { hate: 1 });
  if (harass) Object.assign(spec, { harassment: 1 });
  if (sexual) Object.assign(spec, { sexual: 1 });
  if (minors) Object.assign(spec, { 'sexual/minors': 1 });
  if (violent) Object.assign(spec, { violence: 1, 'illicit/violent': 1, illicit: 1 });
  if (!selfHarm && !hate && !harass && !sexual) Object.assign(spec, { illicit: 1 });
  return spec;
}

/**
 * Explicit sexual slang. The generic "offensive"/"toxic" sources (HateXplain offensive, Jigsaw
 * binary) label it harassment, which taught the harassment head that sexual words are insults and
 * left the sexual head (which those sources do not label) without them: on those rows the
 * harassment label becomes unknown (obscene stays), and ConvAbuse, RTP and I2P teach the sexual head.
 */
export const SEXUAL_SLANG = /\b(?:dick|cock|pussy|cunt|tits|boobs|blowjob|cum|cumming|jizz|horny|fuck(?:ing|ed)? (?:me|her|you|him)|suck (?:my|your|his)|anal|dildo|slut|whore|porn|nudes?|naked|orgasm|boner|clit)\b/i;

function clean(spec: LabelSpec): LabelSpec {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== (UNKNOWN as number))) as LabelSpec;
}

type Loader = (dir: string) => Example[];

const LOADERS: Record<string, Loader> = {
  'davidson_hate_offensive.csv.gz': (dir) =>
    readCsv(dir, 'davidson_hate_offensive.csv.gz').map((r, i) => {
      const cls = r.class;
      const labels =
        // "Offensive" is broad (mostly profanity); it teaches toxicity, not harassment. It stays a
        // hate negative: marking it unknown was measured (model card) to gain nothing on the rows
        // both label designs share and to flag offensive-but-not-hateful tweets as hate.
        cls === '0' ? labelVector({ ...HATE }) : cls === '1' ? labelVector({ toxicity: 1, hate: 0, identity_hate: 0 }) : benign();
      return { text: r.tweet ?? '', labels, source: 'davidson', group: `davidson:${i}` };
    }),

  'hatexplain_majority.csv.gz': (dir) =>
    readCsv(dir, 'hatexplain_majority.csv.gz').flatMap((r, i) => {
      const cat = r.category;
      if (cat === '3') return [];
      // "Offensive" rows are harassment and hate negatives (see Davidson above).
      const text = r.text ?? '';
      const offensive = SEXUAL_SLANG.test(text) ? labelVector({ toxicity: 1, obscene: 1, hate: 0, identity_hate: 0 }) : labelVector({ ...HARASSMENT });
      const labels = cat === '1' ? labelVector({ ...HATE }) : cat === '2' ? offensive : benign();
      return [{ text, labels, source: 'hatexplain', group: `hatexplain:${i}` }];
    }),

  'stormfront_hate.jsonl.gz': (dir) =>
    readJsonl(dir, 'stormfront_hate.jsonl.gz').flatMap((r) => {
      const label = str(r.label);
      if (label !== 'hate' && label !== 'noHate') return [];
      const labels = label === 'hate' ? labelVector({ ...HATE }) : benign();
      return [{ text: str(r.text), labels, source: 'stormfront', group: `stormfront:${str(r.file_id).split('_')[0]}` }];
    }),

  'toxigen_demonstrations.jsonl.gz': (dir) =>
    readJsonl(dir, 'toxigen_demonstrations.jsonl.gz').map((r) => ({
      text: str(r.text),
      labels: str(r.label) === 'hate' ? labelVector({ ...HATE }) : benign(),
      source: 'toxigen',
      group: `toxigen:${str(r.text)}`,
    })),

  'jigsaw_toxic_binary_12k.jsonl.gz': (dir) =>
    readJsonl(dir, 'jigsaw_toxic_binary_12k.jsonl.gz').map((r, i) => ({
      text: str(r.comment_text),
      labels: num(r.toxic) === 1 ? labelVector(SEXUAL_SLANG.test(str(r.comment_text)) ? { toxicity: 1, obscene: 1 } : { toxicity: 1, harassment: 1 }) : benign(),
      source: 'jigsaw_binary',
      group: `jigsaw_binary:${i}`,
    })),

  'jigsaw_toxic_multilabel_sample.jsonl.gz': (dir) =>
    readJsonl(dir, 'jigsaw_toxic_multilabel_sample.jsonl.gz').map((r, i) => {
      const toxic = num(r.toxic) === 1;
      const spec: LabelSpec = {
        toxicity: toxic ? 1 : 0,
        severe_toxicity: num(r.severe_toxic) === 1 ? 1 : 0,
        obscene: num(r.obscene) === 1 ? 1 : 0,
        threat: num(r.threat) === 1 ? 1 : 0,
        insult: num(r.insult) === 1 ? 1 : 0,
        identity_hate: num(r.identity_hate) === 1 ? 1 : 0,
        hate: num(r.identity_hate) === 1 ? 1 : 0,
        harassment: num(r.insult) === 1 || num(r.threat) === 1 ? 1 : toxic ? (UNKNOWN as 0) : 0,
        'harassment/threatening': num(r.threat) === 1 ? 1 : 0,
        // A threat of harm is violence in OpenAI's taxonomy; a non-threat says nothing about it.
        violence: num(r.threat) === 1 ? 1 : (UNKNOWN as 0),
      };
      return { text: str(r.comment_text), labels: toxic ? labelVector(clean(spec)) : benign(), source: 'jigsaw_multi', group: `jigsaw_multi:${i}` };
    }),

  'suicide_tweets.csv.gz': (dir) =>
    readCsv(dir, 'suicide_tweets.csv.gz').map((r, i) => ({
      text: r.tweet ?? '',
      labels: r.label === '1' ? labelVector({ 'self-harm': 1, 'self-harm/intent': 1, prompt_injection: 0 }) : benign(),
      source: 'suicide_tweets',
      group: `suicide_tweets:${i}`,
    })),

  'reddit_cssrs_500.csv.gz': (dir) =>
    readCsv(dir, 'reddit_cssrs_500.csv.gz').flatMap((r) => {
      const label = r.Label ?? '';
      const spec: LabelSpec | null =
        label === 'Supportive'
          ? null
          : label === 'Indicator'
            ? { 'self-harm': 1, prompt_injection: 0 }
            : { 'self-harm': 1, 'self-harm/intent': 1, prompt_injection: 0 };
      // The label is per user; posts are joined and cropped to windows by the trainer.
      const posts = parsePythonList(r.Post ?? '');
      const text = posts.join('\n');
      return [{ text, labels: spec ? labelVector(spec) : benign({ 'self-harm/intent': UNKNOWN as 0 }), source: 'reddit_cssrs', group: `cssrs:${r.User}` }];
    }),

  'suicide_detection_sample500.csv.gz': (dir) =>
    readCsv(dir, 'suicide_detection_sample500.csv.gz').map((r, i) => ({
      text: r.text ?? '',
      labels: r.class === 'suicide' ? labelVector({ 'self-harm': 1, 'self-harm/intent': 1, prompt_injection: 0 }) : benign(),
      source: 'suicide_detection',
      group: `suicide_detection:${i}`,
    })),

  'jailbreak_prompts_2023_12_25.csv.gz': (dir) =>
    readCsv(dir, 'jailbreak_prompts_2023_12_25.csv.gz').map((r, i) => ({
      text: r.prompt ?? '',
      labels: labelVector({ prompt_injection: 1 }),
      source: 'jailbreak_prompts',
      group: `jailbreak:${i}`,
    })),

  'forbidden_question_set.csv.gz': (dir) =>
    readCsv(dir, 'forbidden_question_set.csv.gz').flatMap((r) => {
      const policy = r.content_policy_name ?? '';
      const map: Record<string, LabelSpec> = {
        'Illegal Activity': { illicit: 1 },
        Fraud: { illicit: 1 },
        Malware: { illicit: 1 },
        'Economic Harm': { illicit: 1 },
        'Privacy Violence': { illicit: 1 },
        'Physical Harm': { violence: 1, 'illicit/violent': 1 },
        'Hate Speech': { hate: 1 },
        Pornography: { sexual: 1 },
      };
      const spec = map[policy];
      const labels = spec ? harmful({ ...spec, prompt_injection: 0 }) : benign();
      return [{ text: r.question ?? '', labels, source: 'forbidden_questions', group: `forbidden:${policy}:${r.q_id}` }];
    }),

  'ailuminate_demo_en_us.csv.gz': (dir) =>
    readCsv(dir, 'ailuminate_demo_en_us.csv.gz').flatMap((r, i) => {
      const map: Record<string, LabelSpec> = {
        vcr: { 'illicit/violent': 1, illicit: 1, violence: 1 },
        ncr: { illicit: 1 },
        iwp: { 'illicit/violent': 1, illicit: 1 },
        src: { sexual: 1, illicit: 1 },
        cse: { 'sexual/minors': 1, sexual: 1 },
        // Adult sexual content: AILuminate files child sexual exploitation separately (cse).
        sxc_prn: { sexual: 1, 'sexual/minors': 0 },
        ssh: { 'self-harm': 1 },
        hte: { hate: 1 },
      };
      const spec = map[r.hazard ?? ''];
      if (!spec) return [];
      return [{ text: r.prompt_text ?? '', labels: harmful(spec), source: 'ailuminate', group: `ailuminate:${i}` }];
    }),

  'tensor_trust_injection.jsonl.gz': (dir) =>
    readJsonl(dir, 'tensor_trust_injection.jsonl.gz').flatMap((r) => {
      const id = str(r.sample_id);
      const attack: Example = { text: str(r.attack), labels: labelVector({ prompt_injection: 1 }), source: 'tensor_trust', group: `tt:${id}` };
      // Defender prompts carry anti-injection wording but are benign: hard negatives for injection.
      const defence: Example = { text: str(r.pre_prompt), labels: labelVector({ prompt_injection: 0 }), source: 'tensor_trust', group: `tt:${id}` };
      return [attack, defence];
    }),

  'gpteacher_benign_instruct.jsonl.gz': (dir) =>
    readJsonl(dir, 'gpteacher_benign_instruct.jsonl.gz').flatMap((r, i) => {
      const prompt = [str(r.instruction), str(r.input)].filter(Boolean).join('\n');
      return [
        { text: prompt, labels: benign(), source: 'gpteacher', group: `gpteacher:${i}` },
        { text: str(r.response), labels: benign(), source: 'gpteacher', group: `gpteacher:${i}` },
      ];
    }),

  'clinc150_benign_queries.jsonl.gz': (dir) =>
    readJsonl(dir, 'clinc150_benign_queries.jsonl.gz').map((r, i) => ({
      text: str(r.text),
      labels: benign(),
      source: 'clinc150',
      group: `clinc:${i}`,
    })),

  'olid_training.tsv.gz': (dir) =>
    readCsv(dir, 'olid_training.tsv.gz', { delimiter: '\t', quote: false }).map((r, i) => {
      const a = r.subtask_a;
      const b = r.subtask_b;
      const c = r.subtask_c;
      let labels: Int8Array;
      if (a === 'NOT') labels = benign();
      else if (b === 'UNT') labels = labelVector({ toxicity: 1, obscene: 1, hate: 0 }); // profanity only
      else if (c === 'IND') labels = labelVector({ toxicity: 1, harassment: 1, insult: 1, hate: 0 });
      else if (c === 'GRP') labels = labelVector({ toxicity: 1, insult: 1 });
      else labels = labelVector({ toxicity: 1, harassment: 1 });
      return { text: r.tweet ?? '', labels, source: 'olid', group: `olid:${i}` };
    }),

  'advbench_harmful_behaviors.csv.gz': (dir) =>
    readCsv(dir, 'advbench_harmful_behaviors.csv.gz').map((r, i) => ({
      text: r.goal ?? '',
      labels: harmful(clean(categorizeHarmfulRequest(r.goal ?? ''))),
      source: 'advbench',
      group: `advbench:${i}`,
    })),

  'malicious_instruct.txt.gz': (dir) =>
    readText(dir, 'malicious_instruct.txt.gz')
      .split('\n')
      .filter((l) => l.trim())
      .map((line, i) => {
        // File order: 10 intents of ~10 questions (manipulation, sabotage, theft, defamation,
        // cyberbullying, false accusation, tax fraud, hacking, fraud, drugs).
        const intent = Math.floor(i / 10);
        const spec: LabelSpec = [0, 3, 4, 5].includes(intent) ? { harassment: 1 } : { illicit: 1 };
        return { text: line, labels: harmful({ ...spec, prompt_injection: 0 }), source: 'malicious_instruct', group: `mi:${i}` };
      }),

  'simple_safety_tests.csv.gz': (dir) =>
    readCsv(dir, 'simple_safety_tests.csv.gz').map((r) => {
      const area = r.harm_area ?? '';
      const spec: LabelSpec = area.startsWith('Suicide')
        ? { 'self-harm': 1 }
        : area.startsWith('Physical')
          ? { violence: 1 }
          : area.startsWith('Illegal')
            ? { illicit: 1 }
            : area.startsWith('Scams')
              ? { illicit: 1 }
              : {};
      // Child-safety prompts are policy-style requests without a clear single category.
      const labels = area.startsWith('Child') ? labelVector({ prompt_injection: 0 }) : harmful({ ...spec, prompt_injection: 0 });
      return { text: r.prompts_final ?? '', labels, source: 'sst', group: `sst:${r.id}` };
    }),

  'gptfuzz_labeled_responses.jsonl.gz': (dir) =>
    readJsonl(dir, 'gptfuzz_labeled_responses.jsonl.gz').map((r) => {
      const isHarmful = num(r.label) === 1;
      // Harmful replies inherit the question's keyword categories; refusals and harmless
      // role-play are negatives for the harm categories (injection framing stays unknown).
      const labels = isHarmful
        ? harmful(clean({ ...categorizeHarmfulRequest(str(r.question)), prompt_injection: UNKNOWN as 0 }))
        : benign({ prompt_injection: UNKNOWN as 0 });
      return { text: str(r.response), labels, source: 'gptfuzz_responses', group: `gptfuzz:${num(r.question_id)}` };
    }),

  'gptfuzz_questions.csv.gz': (dir) =>
    readCsv(dir, 'gptfuzz_questions.csv.gz').map((r) => ({
      text: r.text ?? '',
      labels: harmful(clean(categorizeHarmfulRequest(r.text ?? ''))),
      source: 'gptfuzz_questions',
      group: `gptfuzz:${r.index}`,
    })),

  'awesome_chatgpt_prompts_benign.jsonl.gz': (dir) =>
    readJsonl(dir, 'awesome_chatgpt_prompts_benign.jsonl.gz').map((r, i) => ({
      text: str(r.prompt),
      labels: benign(),
      source: 'awesome_prompts',
      group: `awesome:${i}`,
    })),

  'toxic_spans_types.jsonl.gz': (dir) =>
    readJsonl(dir, 'toxic_spans_types.jsonl.gz').flatMap((r) => {
      const n = num(r.n_annotators);
      if (n > 20) return []; // calibration item
      const half = (k: unknown) => num(k) * 2 >= n;
      const level = (k: unknown): 0 | 1 | undefined => (half(k) ? 1 : num(k) === 0 ? 0 : undefined);
      const spec: LabelSpec = {};
      const set = (head: keyof typeof spec, v: 0 | 1 | undefined) => {
        if (v !== undefined) spec[head] = v;
      };
      set('insult', level(r.n_insult));
      set('threat', level(r.n_threat));
      set('harassment/threatening', level(r.n_threat));
      if (half(r.n_threat)) spec.violence = 1; // threats of harm are violence; otherwise unknown
      set('identity_hate', level(r.n_identity_attack));
      set('hate', level(r.n_identity_attack));
      set('obscene', level(r.n_profane_obscene));
      if (half(r.n_insult) || half(r.n_threat)) spec.harassment = 1;
      if (half(r.n_identity_attack) && half(r.n_threat)) spec['hate/threatening'] = 1;
      if (!half(r.n_no_span)) spec.toxicity = 1;
      spec.prompt_injection = 0;
      return [{ text: str(r.text), labels: labelVector(spec), source: 'toxic_spans', group: `toxic_spans:${num(r.comment_id)}` }];
    }),

  'hatecheck_test_suite_cases.csv.gz': (dir) =>
    readCsv(dir, 'hatecheck_test_suite_cases.csv.gz').map((r) => {
      const fn = r.functionality ?? '';
      let spec: LabelSpec;
      if (fn.startsWith('threat_')) {
        spec = { ...HATE, 'hate/threatening': 1, threat: 1, violence: 1, 'harassment/threatening': 1, harassment: 1 };
      } else if (r.label_gold === 'hateful') {
        spec = { ...HATE, 'hate/threatening': 0, threat: 0 };
      } else if (fn === 'target_indiv_nh' || fn === 'target_group_nh') {
        spec = { hate: 0, identity_hate: 0, harassment: 1, toxicity: 1 };
      } else if (fn === 'profanity_nh') {
        spec = { hate: 0, identity_hate: 0, harassment: 0, obscene: 1 };
      } else {
        spec = { hate: 0, identity_hate: 0, 'hate/threatening': 0, harassment: 0, threat: 0, violence: 0 };
      }
      return { text: r.test_case ?? '', labels: labelVector({ ...spec, prompt_injection: 0 }), source: 'hatecheck', group: `hatecheck:${r.templ_id}` };
    }),

  ...CHAT_LOADERS,
};

/** hh-rlhf is relative preference data, not used for labels here (see the model card). */
export const UNUSED_SOURCES = ['hh_rlhf_harmless_base_test.jsonl.gz'];

/** Parse a Python list literal of strings as written by pandas (`['a', "b's"]`). */
function parsePythonList(literal: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
  for (const m of literal.matchAll(re)) out.push((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'));
  return out;
}

export interface LoadedSource {
  readonly file: string;
  readonly examples: Example[];
}

/** Load every known source found in `dir`; unknown files are reported, missing ones skipped. */
export function loadSources(dir: string, log: (line: string) => void = () => {}): LoadedSource[] {
  const present = new Set(readdirSync(dir));
  const loaded: LoadedSource[] = [];
  for (const [file, loader] of Object.entries(LOADERS)) {
    if (!present.has(file)) {
      log(`skip ${file}: not found`);
      continue;
    }
    const examples = loader(dir).filter((e) => e.text.trim().length > 0);
    loaded.push({ file, examples });
  }
  for (const file of present) {
    if (file.endsWith('.gz') && !(file in LOADERS) && !UNUSED_SOURCES.includes(file)) log(`unused source ${file}`);
  }
  return loaded;
}
