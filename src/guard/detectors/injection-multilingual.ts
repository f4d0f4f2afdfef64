// Injection and jailbreak rules beyond English: instruction override, system-prompt extraction,
// persona and "no rules" framings in French, German, Spanish, Italian, Portuguese and Russian
// (word lists folded at load exactly as texts are, so diacritics and look-alike letters match
// either way) and in Chinese and Japanese (no spaces between words: bounded gaps instead). Stems
// ending in `*` take any word ending; `\b` only guards words that start with an ASCII letter (RE2's
// \b is ASCII-only). English paraphrases live in injection.ts.

import { foldForWords } from '../../text/fold.ts';
import { escapeRegexLiteral, isAsciiWordChar } from './matching-view.ts';

export interface MultilingualRule {
  readonly id: string;
  readonly score: number;
  readonly pattern: string;
}

/** Separator between words. Unbounded repeats: RE2 expands counted ones, and \\p{L} is a large class. */
const S = '[^\\p{L}\\p{N}]+';
/** Up to `n` filler words. */
const filler = (n: number) => `(?:[\\p{L}']+${S}){0,${n}}`;

/**
 * One phrase (`ne tiens pas compte`) whose words may be stems (`системн* промпт*`: any ending), as a
 * pattern on the word view.
 */
function term(raw: string): string {
  const parts = raw.trim().split(/\s+/).map((word) => {
    const open = word.endsWith('*');
    return { folded: foldForWords(open ? word.slice(0, -1) : word).text.trim(), open };
  });
  const body = parts.map(({ folded, open }) => `${escapeRegexLiteral(folded)}${open ? '\\p{L}*' : ''}`).join(S);
  const first = parts[0]!.folded;
  const last = parts[parts.length - 1]!;
  const head = isAsciiWordChar(first[0]) ? '\\b' : '';
  const tail = !last.open && isAsciiWordChar(last.folded[last.folded.length - 1]) ? '\\b' : '';
  return `${head}${body}${tail}`;
}

const any = (terms: readonly string[]) => `(?:${terms.map(term).join('|')})`;
/** Word slots in order, up to `gap` filler words between consecutive slots. */
const seq = (gap: number, ...slots: readonly (readonly string[])[]) => slots.map(any).join(`${S}${filler(gap)}`);

interface LanguageWords {
  readonly lang: string;
  readonly override: readonly string[];
  readonly prior: readonly string[];
  readonly directives: readonly string[];
  /** "your" / "the" possessives between an override verb and a directive ("forget your rules"). */
  readonly yours: readonly string[];
  readonly reveal: readonly string[];
  readonly secretPrompt: readonly string[];
  /** "you are now", "pretend", "act as if". */
  readonly persona: readonly string[];
  /** "without (any) rules / restrictions / censorship". */
  readonly noRules: readonly string[];
}

const LANGUAGES: readonly LanguageWords[] = [
  {
    lang: 'fr',
    override: ['ignore*', 'oublie*', 'ne tiens pas compte', 'ne tenez pas compte', 'fais abstraction', 'faites abstraction', 'passe outre', 'neglige*', 'contourne*'],
    prior: ['precedent*', 'anterieur*', 'plus haut', 'ci dessus', 'initial*', 'systeme', 'd origine', 'prealable*'],
    directives: ['instruction*', 'consigne*', 'regle*', 'directive*', 'ordre*', 'prompt*', 'commande*', 'restriction*', 'limite*'],
    yours: ['tes', 'vos', 'ton', 'votre'],
    reveal: ['revele*', 'affiche*', 'montre*', 'donne*', 'repete*', 'imprime*', 'ecris*', 'recite*', 'divulgue*', 'dis moi'],
    secretPrompt: ['prompt systeme', 'prompt system', 'message systeme', 'instructions initiales', 'consignes initiales', 'instructions cachees', 'prompt initial', 'instructions secretes'],
    persona: ['tu es maintenant', 'vous etes maintenant', 'fais comme si', 'faites comme si', 'fais semblant', 'imagine que tu', 'a partir de maintenant', 'desormais', 'des maintenant', 'joue le role d une ia'],
    noRules: ['sans aucune restriction*', 'sans restriction*', 'sans aucune limite*', 'sans limite*', 'sans aucune regle*', 'sans regle*', 'sans filtre*', 'sans censure', 'aucune regle*', 'aucune restriction*', 'ni censure'],
  },
  {
    lang: 'de',
    override: ['ignorier*', 'vergiss', 'vergessen sie', 'missacht*', 'ubergeh*', 'umgeh*', 'verwirf*'],
    prior: ['vorherig*', 'vorig*', 'bisherig*', 'obig*', 'fruher*', 'ursprunglich*', 'vorangegangen*', 'anfanglich*', 'system*'],
    directives: ['anweisung*', 'instruktion*', 'regel*', 'befehl*', 'vorgab*', 'richtlinie*', 'prompt*', 'anordnung*', 'einschrankung*'],
    yours: ['deine', 'deinen', 'ihre'],
    reveal: ['zeig*', 'gib', 'nenne*', 'wiederhol*', 'verrat*', 'druck*', 'schreib*', 'ausgeben', 'offenbar*'],
    secretPrompt: ['systemprompt*', 'system prompt*', 'systemnachricht*', 'systemanweisung*', 'anfanglichen anweisungen', 'versteckten anweisungen', 'geheimen anweisungen', 'initialen prompt'],
    persona: ['du bist jetzt', 'sie sind jetzt', 'du bist ab sofort', 'tu so als', 'tu so, als', 'stell dir vor du', 'ab sofort', 'von nun an', 'ab jetzt', 'spiel eine ki'],
    noRules: ['ohne jegliche*', 'ohne einschrankung*', 'ohne regeln', 'ohne filter', 'ohne zensur', 'keine regeln', 'keine einschrankung*', 'keine richtlinien', 'keine filter'],
  },
  {
    lang: 'es',
    override: ['ignora*', 'ignore', 'olvida*', 'haz caso omiso', 'hagas caso omiso', 'omite*', 'descarta*', 'pasa por alto', 'no hagas caso'],
    prior: ['anterior*', 'previa*', 'previo*', 'precedent*', 'de arriba', 'original*', 'inicial*', 'del sistema'],
    directives: ['instruccion*', 'indicacion*', 'regla*', 'directiva*', 'orden*', 'prompt*', 'comando*', 'norma*', 'restriccion*'],
    yours: ['tus', 'tu', 'sus'],
    reveal: ['revela*', 'muestra*', 'muestrame', 'dime', 'repite*', 'imprime*', 'escribe*', 'dame', 'ensename'],
    secretPrompt: ['prompt del sistema', 'mensaje del sistema', 'instrucciones iniciales', 'instrucciones ocultas', 'prompt inicial', 'instrucciones secretas', 'indicaciones del sistema'],
    persona: ['ahora eres', 'ahora tu eres', 'finge que', 'finge ser', 'haz como si', 'imagina que eres', 'a partir de ahora', 'desde ahora', 'de ahora en adelante'],
    noRules: ['sin restriccion*', 'sin ninguna restriccion*', 'sin regla*', 'sin filtro*', 'sin ningun filtro', 'sin censura', 'sin limite*', 'no tienes reglas', 'ni limite*'],
  },
  {
    lang: 'it',
    override: ['ignora*', 'dimentica*', 'non tenere conto', 'trascura*', 'tralascia*', 'scarta*', 'aggira*'],
    prior: ['precedent*', 'anterior*', 'sopra', 'iniziali', 'original*', 'di sistema'],
    directives: ['istruzion*', 'regol*', 'direttiv*', 'indicazion*', 'ordin*', 'prompt*', 'comand*', 'restrizion*', 'limit*'],
    yours: ['le tue', 'i tuoi', 'tue', 'tuoi'],
    reveal: ['rivela*', 'mostra*', 'mostrami', 'dimmi', 'ripeti*', 'stampa*', 'scrivi*', 'dammi'],
    secretPrompt: ['prompt di sistema', 'messaggio di sistema', 'istruzioni iniziali', 'istruzioni nascoste', 'prompt iniziale', 'istruzioni segrete'],
    persona: ['ora sei', 'adesso sei', 'fai finta', 'fingi di', 'immagina di essere', 'da ora in poi', 'da adesso', 'd ora in poi'],
    noRules: ['senza alcuna restrizion*', 'senza restrizion*', 'senza regol*', 'senza filtr*', 'senza censura', 'senza limit*', 'non avere regole', 'nessuna regola'],
  },
  {
    lang: 'pt',
    override: ['ignore*', 'ignora*', 'esqueca*', 'esqueci as', 'desconsider*', 'descarte*', 'nao siga'],
    prior: ['anterior*', 'previa*', 'precedent*', 'acima', 'original*', 'inicia*', 'do sistema'],
    directives: ['instruc*', 'regra*', 'diretriz*', 'orientac*', 'orden*', 'comando*', 'prompt*', 'restric*'],
    yours: ['suas', 'seus', 'tuas', 'teus'],
    reveal: ['revele*', 'revela*', 'mostre*', 'mostra*', 'diga*', 'repita*', 'imprima*', 'escreva*', 'me de', 'me diga'],
    secretPrompt: ['prompt do sistema', 'mensagem do sistema', 'instrucoes iniciais', 'instrucoes ocultas', 'prompt inicial', 'instrucoes secretas'],
    persona: ['agora voce e', 'agora tu es', 'finja que', 'finja ser', 'imagine que voce', 'a partir de agora', 'de agora em diante', 'faca de conta'],
    noRules: ['sem restric*', 'sem nenhuma restric*', 'sem regras', 'sem filtro*', 'sem nenhum filtro', 'sem censura', 'sem limite*', 'nao tem regras', 'nenhuma regra'],
  },
  {
    lang: 'ru',
    override: ['игнорир*', 'забудь', 'забудьте', 'не обращай внимания на', 'не обращайте внимания на', 'отбрось*', 'пренебреги*', 'проигнорируй*'],
    prior: ['предыдущ*', 'прежн*', 'предшествующ*', 'вышеуказанн*', 'выше', 'исходн*', 'системн*', 'изначальн*'],
    directives: ['инструкц*', 'указан*', 'правил*', 'команд*', 'ограничен*', 'промпт*', 'директив*', 'настройк*'],
    yours: ['свои', 'твои', 'ваши'],
    reveal: ['покажи*', 'выведи*', 'раскрой*', 'повтори*', 'напиши*', 'скажи*', 'дай', 'распечатай*'],
    secretPrompt: ['системн* промпт*', 'системн* сообщени*', 'системн* инструкц*', 'исходн* инструкц*', 'скрыт* инструкц*', 'секретн* инструкц*', 'начальн* инструкц*'],
    persona: ['теперь ты', 'отныне ты', 'представь что', 'представь, что', 'притворись', 'сделай вид', 'с этого момента', 'с сегодняшнего дня'],
    noRules: ['без ограничен*', 'без каких либо ограничен*', 'без правил', 'без цензуры', 'без фильтр*', 'нет правил', 'нет ограничен*'],
  },
];

function rulesFor(words: LanguageWords): MultilingualRule[] {
  const { lang } = words;
  return [
    // "ignore (all) previous instructions", "forget the rules above".
    { id: `injection.${lang}.ignore_previous`, score: 0.95, pattern: seq(4, words.override, words.prior, words.directives) },
    { id: `injection.${lang}.ignore_rules_above`, score: 0.95, pattern: seq(5, words.override, words.directives, words.prior) },
    // "forget your rules", "ignore your instructions".
    { id: `injection.${lang}.ignore_your_rules`, score: 0.9, pattern: seq(1, words.override, words.yours, words.directives) },
    { id: `injection.${lang}.system_prompt_extraction`, score: 0.95, pattern: `${any(words.reveal)}${S}${filler(4)}${any(words.secretPrompt)}` },
    { id: `injection.${lang}.jailbreak_persona`, score: 0.95, pattern: `${any(words.persona)}${S}${filler(2)}(?:dan|stan|dude|aim|evil${S}?bot|developer${S}mode)\\b` },
    { id: `injection.${lang}.persona_no_rules`, score: 0.9, pattern: `${any(words.persona)}${S}${filler(8)}${any(words.noRules)}` },
    { id: `injection.${lang}.no_rules`, score: 0.5, pattern: any(words.noRules) },
  ];
}

/** Chinese (simplified and traditional) and Japanese: bounded character gaps between the parts. */
const CJK_RULES: readonly MultilingualRule[] = [
  { id: 'injection.zh.ignore_previous', score: 0.95, pattern: '(?:忽略|无视|無視|忘记|忘記|忽视|忽視|不要理会|不要理會|抛开|拋開|放弃|放棄).{0,10}(?:之前|以前|先前|上面|上述|前面|所有|全部|原来|原來|原有|你的).{0,8}(?:指令|指示|提示|规则|規則|命令|设定|設定|要求|限制|约束|約束)' },
  { id: 'injection.zh.system_prompt_extraction', score: 0.95, pattern: '(?:输出|輸出|显示|顯示|告诉我|告訴我|打印|重复|重複|说出|說出|透露|给我|給我|列出).{0,10}(?:系统提示|系統提示|系统消息|系統消息|系统指令|系統指令|初始指令|隐藏指令|隱藏指令|提示词|提示詞|最初收到的)' },
  { id: 'injection.zh.jailbreak_persona', score: 0.95, pattern: '(?:你现在是|你現在是|扮演|假装你是|假裝你是|从现在开始你是|從現在開始你是).{0,6}(?:dan|stan|dude|aim|邪恶|邪惡|越狱|越獄)' },
  { id: 'injection.zh.persona_no_rules', score: 0.9, pattern: '(?:你现在是|你現在是|假装|假裝|扮演|从现在起|從現在起|从现在开始|從現在開始|想象你|想像你).{0,20}(?:没有任何|沒有任何|不受任何|没有|沒有|无任何|無任何).{0,4}(?:限制|规则|規則|约束|約束|审查|審查|过滤|過濾)' },
  { id: 'injection.zh.no_rules', score: 0.5, pattern: '(?:没有任何|沒有任何|不受任何).{0,4}(?:限制|规则|規則|约束|約束|审查|審查)' },
  { id: 'injection.ja.ignore_previous', score: 0.95, pattern: '(?:以前|前|上記|これまで|最初|元|今まで|あなた|すべて|全て)の?.{0,10}(?:指示|命令|ルール|プロンプト|設定|制約|規則|指令).{0,10}(?:無視|忘れ)' },
  { id: 'injection.ja.system_prompt_extraction', score: 0.95, pattern: '(?:システムプロンプト|システムメッセージ|初期指示|隠し指示|隠された指示|最初に受け取った|秘密の指示).{0,12}(?:表示|出力|教え|見せ|書き出|繰り返|公開)' },
  { id: 'injection.ja.jailbreak_persona', score: 0.95, pattern: '(?:あなたは|これからあなたは|今からあなたは|君は).{0,4}(?:dan|stan|dude|aim)(?:です|だ|として|になって|\\P{L}|$)' },
  { id: 'injection.ja.persona_no_rules', score: 0.9, pattern: '(?:ふりをして|ふりして|として振る舞|になりきって|これからあなたは|今から|想像して).{0,24}(?:制限|ルール|規則|制約|検閲|フィルター)(?:の|が)?(?:ない|なし|無し|無い)|(?:制限|ルール|規則|制約|検閲)(?:が|の)?(?:ない|なし|無い).{0,6}(?:ふり|ai|として)' },
  { id: 'injection.ja.no_rules', score: 0.5, pattern: '(?:一切の|すべての|全ての)?(?:制限|ルール|規則|制約|検閲)(?:なし|無し|なしで|がない|のない)' },
];

/** The word view strips voicing marks as it strips accents (プ → フ, が → か): fold the patterns' literals the same way. */
const foldLiterals = (rule: MultilingualRule): MultilingualRule => ({ ...rule, pattern: rule.pattern.replace(/[^\x00-\x7f]+/g, (run) => foldForWords(run).text) });

export const MULTILINGUAL_INJECTION_RULES: readonly MultilingualRule[] = [...LANGUAGES.flatMap(rulesFor), ...CJK_RULES.map(foldLiterals)];
