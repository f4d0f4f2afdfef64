// The language pre-filter over eld: each verdict names the language, and a profile acts on a text
// reliably identified as a language its classifier was not trained for; short or letterless texts
// and data-only texts are never acted on.

import { beforeAll, describe, expect, it } from 'vitest';
import { createLanguageStage, JUDGED_LANGUAGE_RULE, UNSUPPORTED_LANGUAGE_RULE } from '../../../src/guard/stages/language.ts';
import { initialState } from '../../../src/guard/stages/state.ts';
import { identifyLanguage, loadLanguageIdentifier } from '../../../src/text/language.ts';

beforeAll(() => loadLanguageIdentifier());

describe('identifyLanguage', () => {
  it.each([
    ['en', 'Could you summarise this article about the new library for me?'],
    ['fr', 'Pourriez-vous résumer cet article sur la nouvelle bibliothèque ?'],
    ['de', 'Kannst du mir diesen Artikel über die neue Bibliothek zusammenfassen?'],
    ['es', '¿Podrías resumir este artículo sobre la nueva biblioteca?'],
    ['it', 'Potresti riassumere questo articolo sulla nuova biblioteca?'],
    ['pt', 'Você poderia resumir este artigo sobre a nova biblioteca para mim?'],
    ['ru', 'Не могли бы вы кратко пересказать эту статью о новой библиотеке?'],
    ['zh', '你能帮我总结一下这篇关于新图书馆的文章吗？'],
    ['ja', '新しい図書館についてのこの記事を要約してもらえますか？'],
  ])('%s', (code, text) => {
    expect(identifyLanguage(text)).toEqual({ code, reliable: true });
  });

  it('says a one-word text is not reliable', () => {
    expect(identifyLanguage('ciao')?.reliable).toBe(false);
  });
});

describe('createLanguageStage', () => {
  const run = (action: 'allow' | 'review' | 'judge' | 'block', text: string, scope: 'full' | 'sensitive_data' = 'full', report = true) => {
    const state = initialState(text, scope);
    createLanguageStage({ classifier: ['en'], unsupportedAction: action }).run(state, report);
    return state;
  };
  const french = 'Pourriez-vous résumer cet article sur la nouvelle bibliothèque ?';

  it('reports the language and does nothing more under allow', () => {
    const state = run('allow', french);
    expect(state.language).toEqual({ code: 'fr', reliable: true });
    expect(state.detections).toEqual([]);
  });

  it('skips the identification under allow when the caller does not report it, never where the profile acts on it', () => {
    expect(run('allow', french, 'full', false).language).toBeNull();
    const acted = run('review', french, 'full', false);
    expect(acted.language).toEqual({ code: 'fr', reliable: true });
    expect(acted.detections).toHaveLength(1);
  });

  it.each([
    ['review', UNSUPPORTED_LANGUAGE_RULE, 'soft_block'],
    ['judge', JUDGED_LANGUAGE_RULE, 'soft_block'],
    ['block', UNSUPPORTED_LANGUAGE_RULE, 'block'],
  ] as const)('%s: a language the classifier was not trained for', (action, ruleId, expected) => {
    expect(run(action, french).detections).toEqual([{ detector: 'language', ruleId, category: 'language/fr', score: 1, span: null, action: expected, enforced: true }]);
  });

  it('never acts on a supported language, a short text, a letterless text or a data-only text', () => {
    expect(run('block', 'Could you summarise this article about the new library for me?').detections).toEqual([]);
    expect(run('block', 'ciao').detections).toEqual([]);
    expect(run('block', '👍 42').language).toBeNull();
    expect(run('block', french, 'sensitive_data').language).toBeNull();
  });
});
