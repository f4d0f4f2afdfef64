import { describe, expect, it } from 'vitest';
import { createKeywordDetector } from '../../../src/guard/detectors/keywords.ts';
import { covered, engine, MIXED_PREFIX } from './support.ts';

const detector = createKeywordDetector(
  [
    { id: 'weapons', category: 'violence', keywords: ['kill', 'Kill Switch', 'b0mb', 'shoot'] },
    { id: 'internal', category: 'internal/codename', keywords: ['Project Nightingale', 'проект'] },
  ],
  engine,
);
const find = (text: string) => covered(text, detector.detect(text));

describe('keyword detector', () => {
  it('matches whole words and phrases, longest first', () => {
    expect(find('Flip the KILL SWITCH then kill it')).toEqual(['keyword.weapons: KILL SWITCH', 'keyword.weapons: kill']);
    expect(find('about project   nightingale')).toEqual(['keyword.internal: project   nightingale']);
  });

  it('does not match inside longer words', () => {
    expect(find('skilled killers bombastic shooting')).toEqual([]);
  });

  it('folds list entries like the text: leetspeak in the list matches plain text', () => {
    expect(find('a bomb')).toEqual(['keyword.weapons: bomb']);
  });

  it('sees through leetspeak, homoglyphs, zero-width and spaced letters, spanning the original', () => {
    expect(find('k1ll')).toEqual(['keyword.weapons: k1ll']);
    expect(find('\u043A\u0456ll')).toEqual(['keyword.weapons: \u043A\u0456ll']);
    expect(find('ki\u200Dll')).toEqual(['keyword.weapons: ki\u200Dll']);
    expect(find('k i l l')).toEqual(['keyword.weapons: k i l l']);
    expect(find('K.I.L.L')).toEqual(['keyword.weapons: K.I.L.L']);
  });

  it('reports exact spans after emoji and non-Latin text, and matches non-Latin keywords', () => {
    const text = `${MIXED_PREFIX}shoot ПРОЕКТ`;
    expect(find(text)).toEqual(['keyword.weapons: shoot', 'keyword.internal: ПРОЕКТ']);
  });

  it('reports nothing for an empty list', () => {
    expect(createKeywordDetector([{ id: 'empty', category: 'x', keywords: [] }], engine).detect('kill')).toEqual([]);
  });
});
