// The topic stage (seed 004 "topic detector"): a deployment's profile lists banned topics, and
// optionally the allowed ones, each by keywords (whole words on the folded text, as the keyword
// detector folds) and/or moderation categories the classifier scores at or above `min_score`.
// A banned topic found, or a text of at least `min_words` words that matches no allowed topic,
// is a `topic` detection with the profile's action. Built once at load; runs after the classifier
// because its scores are evidence. No regex engine: keyword phrases are word sequences in a map.

import type { ResolvedDirection, ResolvedTopic } from '../../policy/profiles/types.ts';
import { foldForWords } from '../../text/fold.ts';
import type { Span } from '../../text/normalize.ts';
import { detectionForFinding } from '../decision.ts';
import type { TextState } from './state.ts';

export interface TopicStageRunner {
  run(state: TextState): void;
}

const WORD = /[\p{L}\p{N}]+/gu;

interface Phrase {
  readonly topic: number;
  readonly words: readonly string[];
}

function wordsOf(text: string): Array<{ word: string; start: number; end: number }> {
  return [...text.matchAll(WORD)].map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }));
}

export function createTopicStage(direction: ResolvedDirection): TopicStageRunner {
  const { topics, action, minWords } = direction.topic;
  if (action === 'allow' || topics.length === 0) return { run() {} };
  const policy = direction.stages.topic;
  // First folded word of each phrase → the phrases starting with it.
  const byFirst = new Map<string, Phrase[]>();
  topics.forEach((topic, index) => {
    for (const keyword of topic.keywords) {
      const words = wordsOf(foldForWords(keyword).text).map((w) => w.word);
      if (words.length === 0) continue;
      const list = byFirst.get(words[0]!) ?? [];
      list.push({ topic: index, words });
      byFirst.set(words[0]!, list);
    }
  });
  const hasAllowed = topics.some((t) => t.kind === 'allowed');

  /** The first keyword hit per topic, as a span of the original text. */
  function keywordHits(text: string): Map<number, Span> {
    const view = foldForWords(text);
    const words = wordsOf(view.text);
    const hits = new Map<number, Span>();
    words.forEach((word, i) => {
      for (const phrase of byFirst.get(word.word) ?? []) {
        if (hits.has(phrase.topic)) continue;
        if (phrase.words.every((w, k) => words[i + k]?.word === w)) hits.set(phrase.topic, view.toOriginal(word.start, words[i + phrase.words.length - 1]!.end));
      }
    });
    return hits;
  }

  const classifierScore = (topic: ResolvedTopic, state: TextState): number =>
    state.scores ? Math.max(0, ...topic.categories.map((c) => state.scores!.scores[c] ?? 0)) : 0;

  return {
    run(state) {
      const hits = keywordHits(state.text);
      let onTopic = false;
      topics.forEach((topic, index) => {
        const span = hits.get(index);
        const score = span ? 1 : classifierScore(topic, state);
        const found = span !== undefined || (topic.categories.length > 0 && score >= topic.minScore);
        if (!found) return;
        if (topic.kind === 'allowed') {
          onTopic = true;
          return;
        }
        const detection = detectionForFinding(direction, { detector: 'topic', ruleId: `topic.banned.${topic.id}`, category: `topic/${topic.id}`, score, ...(span ? { span } : {}) }, policy);
        if (detection) state.detections.push(detection);
      });
      if (hasAllowed && !onTopic && wordsOf(state.text).length >= minWords) {
        const detection = detectionForFinding(direction, { detector: 'topic', ruleId: 'topic.off_topic', category: 'topic/off_topic', score: 1 }, policy);
        if (detection) state.detections.push(detection);
      }
    },
  };
}
