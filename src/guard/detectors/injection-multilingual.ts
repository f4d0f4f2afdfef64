// Injection and jailbreak rules beyond English: instruction override, system-prompt extraction,
// persona and "no rules" framings in French, German, Spanish, Italian, Portuguese and Russian
// (word lists folded at load exactly as texts are, so diacritics and look-alike letters match
// either way) and in Chinese and Japanese (no spaces between words: bounded gaps instead). Stems
// ending in `*` take any word ending; `\b` only guards words that start with an ASCII letter (RE2's
// \b is ASCII-only). English paraphrases live in injection.ts.

import { PHRASE_LETTER_RANGES } from './matching-view.ts';
import { any, filler, foldLiterals, S, seq } from './phrase-terms.ts';

export interface MultilingualRule {
  readonly id: string;
  readonly score: number;
  readonly pattern: string;
}

interface LanguageWords {
  readonly lang: string;
  readonly override: readonly string[];
  readonly prior: readonly string[];
  readonly directives: readonly string[];
  /** "your" / "the" possessives between an override verb and a directive ("forget your rules"). */
  readonly yours: readonly string[];
  readonly reveal: readonly string[];
  readonly secretPrompt: readonly string[];
  /** Texts that are secret only when they are the model's own ("your system message", not syslog's). */
  readonly ownedText: readonly string[];
  /** "word for word", "verbatim", "unchanged". */
  readonly verbatim: readonly string[];
  /** "you are now", "pretend", "act as if", "from today your name is". */
  readonly persona: readonly string[];
  /** "without (any) rules / restrictions / censorship". */
  readonly noRules: readonly string[];
  /** "without" and the limits it negates ("sans aucune censure", "without any moral filter"). */
  readonly without: readonly string[];
  readonly limits: readonly string[];
  /** "free AI", "uncensored". */
  readonly freeAi: readonly string[];
  /** "everything" / "all" ... */
  readonly all: readonly string[];
  /** ... "before", "above", "so far", "(you were) told / given". */
  readonly before: readonly string[];
  /** Marks a directive as the model's: "you were given", "your developers", "you received". */
  readonly owner: readonly string[];
  /** "no longer apply", "are lifted", "are void". */
  readonly void: readonly string[];
  /** "them", after "the rules are lifted, ignore them". */
  readonly them: readonly string[];
}

const LANGUAGES: readonly LanguageWords[] = [
  {
    lang: 'fr',
    override: ['ignore*', 'oublie*', 'ne tiens pas compte', 'ne tenez pas compte', 'ne tiens plus compte', 'ne prends plus en compte', 'fais abstraction', 'faites abstraction', 'passe outre', 'passez outre', 'neglige*', 'contourne*', 'abandonne*', 'laisse tomber', 'efface*', 'jette*', 'ecarte*', 'n obeis plus', 'ne respecte plus', 'ne suis plus'],
    prior: ['precedent*', 'anterieur*', 'plus haut', 'ci dessus', 'initial*', 'systeme', 'd origine', 'prealable*'],
    directives: ['instruction*', 'consigne*', 'regle*', 'directive*', 'ordre*', 'prompt*', 'commande*', 'restriction*', 'limite*', 'contrainte*', 'garde fou*', 'filtre*', 'politique*', 'programmation'],
    yours: ['tes', 'vos', 'ton', 'votre', 'ta'],
    reveal: ['revele*', 'affiche*', 'montre*', 'donne*', 'repete*', 'imprime*', 'ecris*', 'recite*', 'divulgue*', 'dis moi', 'recopie*', 'copie*', 'reproduis*', 'retranscri*', 'transcri*', 'restitue*', 'cite*', 'sors'],
    secretPrompt: ['prompt systeme', 'prompt system', 'instructions initiales', 'consignes initiales', 'instructions cachees', 'prompt initial', 'instructions secretes', 'consignes secretes', 'regles secretes', 'regles cachees'],
    ownedText: ['message systeme', 'configuration*', 'instructions', 'consignes', 'prompt', 'directives', 'regles'],
    verbatim: ['mot pour mot', 'mot a mot', 'textuellement', 'integralement', 'tel quel', 'telle quelle', 'a l identique', 'sans rien changer', 'sans rien modifier', 'en entier', 'in extenso'],
    persona: ['tu es maintenant', 'vous etes maintenant', 'fais comme si', 'faites comme si', 'fais semblant', 'imagine que tu', 'a partir de maintenant', 'a partir d aujourd hui', 'a partir de ce moment', 'a compter de maintenant', 'desormais', 'des maintenant', 'dorenavant', 'joue le role d une ia', 'tu t appelles', 'tu vas t appeler', 'ton nom est', 'tu seras'],
    noRules: ['sans aucune restriction*', 'sans restriction*', 'sans aucune limite*', 'sans limite*', 'sans aucune regle*', 'sans regle*', 'sans filtre*', 'sans censure', 'aucune regle*', 'aucune restriction*', 'ni censure', 'plus aucune limite*', 'plus aucune restriction*', 'plus aucune regle*', 'plus de limite*'],
    without: ['sans', 'libre de', 'libere* de', 'affranchi* de', 'delivre* de'],
    limits: ['restriction*', 'limite*', 'regle*', 'filtre*', 'censure', 'tabou*', 'contrainte*', 'garde fou*', 'morale', 'ethique'],
    freeAi: ['ia libre', 'ia debride*', 'ia non censure*', 'ia sans censure', 'debride*', 'non censure*', 'non filtre*', 'jailbreak*'],
    all: ['tout', 'toutes', 'tous'],
    before: ['precede*', 'avant', 'auparavant', 'plus haut', 'ci dessus', 'jusqu ici', 'jusqu a present', 'jusqu a maintenant', 'on t a dit', 'on vous a dit', 'on t a donne', 'on vous a donne', 'tu as recu', 'vous avez recu', 't a ete dit', 'vous a ete dit'],
    owner: ['developpeur*', 'createur*', 'concepteur*', 'programmeur*', 'on t a', 'on vous a', 'tu as recu*', 'vous avez recu*', 't ont ete', 'vous ont ete', 't a ete', 'vous a ete', 'qu on t', 'qu on vous', 'te sont impose*', 'vous sont impose*', 'avec lesquel* tu', 'avec lesquel* on t'],
    void: ['ne s applique* plus', 'ne sont plus valable*', 'n est plus valable', 'ne valent plus', 'ne vaut plus', 'ne comptent plus', 'ne compte plus', 'sont leve*', 'est leve*', 'sont supprime*', 'est supprime*', 'sont annule*', 'est annule*', 'sont desactive*', 'sont caduc*', 'est caduc*', 'n ont plus cours', 'sont nul*', 'est nul*', 'n existent plus', 'sont abroge*', 'ont ete leve*', 'ont ete supprime*', 'ont ete annule*', 'ne sont plus en vigueur', 'n est plus en vigueur', 'sont suspendu*', 'sont obsolete*', 'est obsolete', 'sont hors service'],
    them: ['les', 'les toutes', 'tout ca'],
  },
  {
    lang: 'de',
    override: ['ignorier*', 'vergiss', 'vergessen sie', 'missacht*', 'ubergeh*', 'umgeh*', 'verwirf*', 'verwerfen sie', 'wirf', 'befolge nicht mehr', 'folge nicht mehr', 'halte dich nicht mehr an', 'setz* dich uber', 'losche*', 'streich*'],
    prior: ['vorherig*', 'vorig*', 'bisherig*', 'obig*', 'fruher*', 'ursprunglich*', 'vorangegangen*', 'anfanglich*', 'system*'],
    directives: ['anweisung*', 'instruktion*', 'regel*', 'befehl*', 'vorgab*', 'richtlinie*', 'prompt*', 'anordnung*', 'einschrankung*', 'beschrankung*', 'grenze*', 'filter*', 'programmierung', 'vorschrift*'],
    yours: ['deine', 'deinen', 'deiner', 'dein', 'ihre', 'ihren'],
    reveal: ['zeig*', 'gib', 'gebe*', 'nenne*', 'wiederhol*', 'verrat*', 'druck*', 'schreib*', 'ausgeben', 'offenbar*', 'kopier*', 'reproduzier*', 'zitier*', 'gib aus'],
    secretPrompt: ['systemprompt*', 'system prompt*', 'systemanweisung*', 'anfanglichen anweisungen', 'versteckten anweisungen', 'geheimen anweisungen', 'initialen prompt', 'geheimen regeln', 'versteckten regeln', 'startkonfiguration*', 'anfangskonfiguration*'],
    ownedText: ['systemnachricht*', 'systemmeldung*', 'konfiguration*', 'anweisungen', 'instruktionen', 'prompt*', 'regeln', 'vorgaben'],
    verbatim: ['wort fur wort', 'wortlich*', 'wortwortlich*', 'unverandert*', 'vollstandig*', 'komplett*', 'buchstabengetreu*', 'im wortlaut'],
    persona: ['du bist jetzt', 'sie sind jetzt', 'du bist ab sofort', 'tu so als', 'tu so, als', 'stell dir vor du', 'ab sofort', 'von nun an', 'ab jetzt', 'ab heute', 'von jetzt an', 'spiel eine ki', 'du heisst', 'dein name ist', 'du wirst'],
    noRules: ['ohne jegliche*', 'ohne einschrankung*', 'ohne regeln', 'ohne filter', 'ohne zensur', 'keine regeln', 'keine einschrankung*', 'keine richtlinien', 'keine filter', 'keine grenzen', 'keinerlei*'],
    without: ['ohne', 'frei von', 'befreit von', 'keine', 'keinen', 'keinerlei'],
    limits: ['einschrankung*', 'beschrankung*', 'regeln', 'filter', 'zensur', 'grenzen', 'richtlinie*', 'tabu*', 'moral', 'ethik', 'vorgaben'],
    freeAi: ['freie ki', 'unzensiert*', 'ungefiltert*', 'uneingeschrankt*', 'jailbreak*'],
    all: ['alles', 'alle', 'sämtliche*'],
    before: ['vorher', 'zuvor', 'bisher', 'davor', 'oben', 'bis jetzt', 'bis hierher', 'gesagt', 'gegeben', 'erhalten', 'mitgeteilt'],
    owner: ['entwickler*', 'ersteller*', 'schopfer*', 'hersteller*', 'man dir', 'man ihnen', 'dir gegeben', 'dir gesagt', 'ihnen gegeben', 'du erhalten', 'du bekommen', 'dir auferlegt', 'dir vorgegeben'],
    void: ['gilt nicht mehr', 'gelten nicht mehr', 'gelten ab sofort nicht mehr', 'sind aufgehoben', 'ist aufgehoben', 'wurden aufgehoben', 'sind ausser kraft', 'ist ausser kraft', 'sind ungultig', 'ist ungultig', 'sind nichtig', 'ist nichtig', 'sind deaktiviert', 'sind abgeschaltet', 'sind entfernt', 'wurden entfernt', 'sind hinfallig', 'ist hinfallig', 'zahlen nicht mehr', 'zahlt nicht mehr', 'sind aufgehoben worden', 'sind annulliert', 'sind weg', 'sind vorbei', 'entfallen'],
    them: ['sie', 'diese', 'die'],
  },
  {
    lang: 'es',
    override: ['ignora*', 'ignore', 'olvida*', 'haz caso omiso', 'hagas caso omiso', 'omite*', 'descarta*', 'pasa por alto', 'no hagas caso', 'deja de lado', 'deja de seguir', 'ya no sigas', 'borra*', 'desecha*', 'salta*'],
    prior: ['anterior*', 'previa*', 'previo*', 'precedent*', 'de arriba', 'original*', 'inicial*', 'del sistema'],
    directives: ['instruccion*', 'indicacion*', 'regla*', 'directiva*', 'orden*', 'prompt*', 'comando*', 'norma*', 'restriccion*', 'limitacion*', 'limite*', 'filtro*', 'politica*', 'pauta*', 'programacion'],
    yours: ['tus', 'tu', 'sus', 'su'],
    reveal: ['revela*', 'muestra*', 'muestrame', 'dime', 'repite*', 'imprime*', 'escribe*', 'dame', 'ensename', 'copia*', 'reproduce*', 'transcribe*', 'cita*', 'vuelca*'],
    secretPrompt: ['prompt del sistema', 'instrucciones iniciales', 'instrucciones ocultas', 'prompt inicial', 'instrucciones secretas', 'indicaciones del sistema', 'reglas ocultas', 'reglas secretas', 'configuracion inicial'],
    ownedText: ['mensaje del sistema', 'configuracion*', 'instrucciones', 'indicaciones', 'prompt', 'reglas', 'directivas'],
    verbatim: ['palabra por palabra', 'textualmente', 'literalmente', 'al pie de la letra', 'integramente', 'sin cambios', 'sin cambiar nada', 'tal cual', 'completo', 'completas', 'completa'],
    persona: ['ahora eres', 'ahora tu eres', 'finge que', 'finge ser', 'haz como si', 'imagina que eres', 'a partir de ahora', 'a partir de hoy', 'a partir de este momento', 'desde ahora', 'desde hoy', 'de ahora en adelante', 'te llamas', 'te llamaras', 'tu nombre es', 'seras'],
    noRules: ['sin restriccion*', 'sin ninguna restriccion*', 'sin regla*', 'sin filtro*', 'sin ningun filtro', 'sin censura', 'sin limite*', 'no tienes reglas', 'ni limite*', 'ya no tienes limite*'],
    without: ['sin', 'libre de', 'liberad* de', 'ningun', 'ninguna'],
    limits: ['restriccion*', 'regla*', 'filtro*', 'censura', 'limite*', 'tabu*', 'norma*', 'moral', 'etica'],
    freeAi: ['ia libre', 'ia sin censura', 'sin censurar', 'sin filtrar', 'jailbreak*'],
    all: ['todo', 'todas', 'todos'],
    before: ['anterior*', 'antes', 'arriba', 'hasta ahora', 'hasta aqui', 'previamente', 'te dijeron', 'te han dicho', 'te dieron', 'te han dado', 'recibiste', 'has recibido', 'se te dijo', 'se te ha dicho'],
    owner: ['desarrollador*', 'creador*', 'programador*', 'te dieron', 'te han dado', 'te pusieron', 'te han puesto', 'recibiste', 'has recibido', 'se te dio', 'se te dieron', 'te impusieron', 'te configuraron', 'con las que te'],
    void: ['ya no aplica*', 'ya no se aplica*', 'no aplica* mas', 'ya no valen', 'ya no vale', 'ya no cuentan', 'ya no tienen validez', 'ya no tiene validez', 'ya no son validas', 'ya no estan vigentes', 'quedan anulad*', 'queda anulad*', 'estan anulad*', 'han sido anulad*', 'quedan sin efecto', 'queda sin efecto', 'han sido eliminad*', 'estan desactivad*', 'han sido levantad*', 'se han levantado', 'quedan suspendid*', 'son nulas', 'es nulo', 'quedan derogad*'],
    them: ['las', 'los', 'todas', 'todos'],
  },
  {
    lang: 'it',
    override: ['ignora*', 'dimentica*', 'non tenere conto', 'non tenere piu conto', 'trascura*', 'tralascia*', 'scarta*', 'aggira*', 'lascia perdere', 'lascia stare', 'metti da parte', 'non seguire piu', 'smetti di seguire', 'cancella*', 'butta via'],
    prior: ['precedent*', 'anterior*', 'sopra', 'iniziali', 'original*', 'di sistema'],
    directives: ['istruzion*', 'regol*', 'direttiv*', 'indicazion*', 'ordin*', 'prompt*', 'comand*', 'restrizion*', 'limit*', 'vincol*', 'filtr*', 'politic*', 'programmazione'],
    yours: ['le tue', 'i tuoi', 'tue', 'tuoi', 'tua', 'tuo', 'il tuo', 'la tua'],
    reveal: ['rivela*', 'mostra*', 'mostrami', 'dimmi', 'ripeti*', 'stampa*', 'scrivi*', 'dammi', 'copia*', 'ricopia*', 'riproduci*', 'trascrivi*', 'cita*', 'riporta*'],
    secretPrompt: ['prompt di sistema', 'istruzioni iniziali', 'istruzioni nascoste', 'prompt iniziale', 'istruzioni segrete', 'regole segrete', 'regole nascoste', 'configurazione iniziale'],
    ownedText: ['messaggio di sistema', 'configurazion*', 'istruzioni', 'indicazioni', 'prompt', 'regole', 'direttive'],
    verbatim: ['parola per parola', 'testualmente', 'alla lettera', 'integralmente', 'senza cambiare nulla', 'senza modifiche', 'cosi com e', 'per intero'],
    persona: ['ora sei', 'adesso sei', 'fai finta', 'fingi di', 'immagina di essere', 'da ora in poi', 'da adesso', 'd ora in poi', 'da oggi', 'da questo momento', 'ti chiami', 'ti chiamerai', 'il tuo nome e', 'sarai'],
    noRules: ['senza alcuna restrizion*', 'senza restrizion*', 'senza regol*', 'senza filtr*', 'senza censura', 'senza limit*', 'non avere regole', 'nessuna regola', 'nessun limite', 'nessuna restrizione'],
    without: ['senza', 'libero da', 'libera da', 'liberato da', 'nessun', 'nessuna'],
    limits: ['restrizion*', 'regol*', 'filtr*', 'censura', 'limit*', 'tabu', 'vincol*', 'morale', 'etica'],
    freeAi: ['ia libera', 'ia senza censura', 'non censurat*', 'jailbreak*'],
    all: ['tutto', 'tutte', 'tutti'],
    before: ['prima', 'precedente*', 'sopra', 'finora', 'fino ad ora', 'fin qui', 'ti hanno detto', 'ti e stato detto', 'ti sono state date', 'ti hanno dato', 'hai ricevuto'],
    owner: ['sviluppator*', 'creator*', 'programmator*', 'ti hanno dato', 'ti hanno dat*', 'ti sono stat*', 'ti e stat*', 'hai ricevut*', 'ti hanno impost*', 'ti hanno messo', 'con cui ti', 'impostat* dai tuoi', 'dat* dai tuoi'],
    void: ['non valgono piu', 'non vale piu', 'non si applica* piu', 'non contano piu', 'non conta piu', 'sono annullat*', 'e annullat*', 'sono revocat*', 'sono sospes*', 'sono disattivat*', 'sono stat* rimoss*', 'sono stat* tolt*', 'sono decadut*', 'sono nulle', 'e nullo', 'non sono piu valid*', 'non sono piu in vigore', 'non esistono piu', 'sono abolit*'],
    them: ['le', 'li', 'tutte', 'tutti'],
  },
  {
    lang: 'pt',
    override: ['ignore*', 'ignora*', 'esqueca*', 'esquece*', 'esqueci as', 'desconsider*', 'descarte*', 'nao siga', 'deixe de lado', 'deixe de seguir', 'pare de seguir', 'apague*', 'despreze*', 'abandone*'],
    prior: ['anterior*', 'previa*', 'precedent*', 'acima', 'original*', 'inicia*', 'do sistema'],
    directives: ['instruc*', 'regra*', 'diretriz*', 'orientac*', 'orden*', 'comando*', 'prompt*', 'restric*', 'limit*', 'filtro*', 'politica*', 'programacao'],
    yours: ['suas', 'seus', 'tuas', 'teus', 'sua', 'seu', 'tua', 'teu'],
    reveal: ['revele*', 'revela*', 'mostre*', 'mostra*', 'diga*', 'repita*', 'imprima*', 'escreva*', 'me de', 'me diga', 'copie*', 'reproduza*', 'transcreva*', 'cite*'],
    secretPrompt: ['prompt do sistema', 'instrucoes iniciais', 'instrucoes ocultas', 'prompt inicial', 'instrucoes secretas', 'regras ocultas', 'regras secretas', 'configuracao inicial'],
    ownedText: ['mensagem do sistema', 'configurac*', 'instrucoes', 'orientacoes', 'prompt', 'regras', 'diretrizes'],
    verbatim: ['palavra por palavra', 'textualmente', 'literalmente', 'na integra', 'integralmente', 'sem alterac*', 'sem mudar nada', 'tal como esta', 'por completo'],
    persona: ['agora voce e', 'agora tu es', 'finja que', 'finja ser', 'imagine que voce', 'a partir de agora', 'a partir de hoje', 'a partir deste momento', 'de agora em diante', 'faca de conta', 'voce se chama', 'te chamas', 'seu nome e', 'voce sera'],
    noRules: ['sem restric*', 'sem nenhuma restric*', 'sem regras', 'sem filtro*', 'sem nenhum filtro', 'sem censura', 'sem limite*', 'nao tem regras', 'nenhuma regra', 'nenhum limite'],
    without: ['sem', 'livre de', 'liberad* de', 'nenhum', 'nenhuma'],
    limits: ['restric*', 'regras', 'filtro*', 'censura', 'limite*', 'tabu*', 'moral', 'etica'],
    freeAi: ['ia livre', 'ia sem censura', 'sem censurar', 'jailbreak*'],
    all: ['tudo', 'todas', 'todos'],
    before: ['anterior*', 'antes', 'acima', 'ate aqui', 'ate agora', 'te disseram', 'lhe disseram', 'te falaram', 'foi dito', 'foram dadas', 'te deram', 'voce recebeu', 'recebeu'],
    owner: ['desenvolvedor*', 'criador*', 'programador*', 'te deram', 'lhe deram', 'te passaram', 'voce recebeu', 'foram dad*', 'te foram', 'lhe foram', 'te impuseram', 'com as quais', 'configuraram'],
    void: ['nao valem mais', 'nao vale mais', 'nao se aplica* mais', 'nao contam mais', 'ja nao valem', 'ja nao se aplicam', 'foram anulad*', 'estao anulad*', 'foram revogad*', 'foram suspens*', 'foram desativad*', 'foram removid*', 'foram retirad*', 'perderam a validade', 'sem efeito', 'nao estao mais em vigor', 'nao existem mais', 'sao nulas', 'foram abolid*'],
    them: ['as', 'os', 'todas', 'todos', 'elas', 'eles'],
  },
  {
    lang: 'ru',
    override: ['игнорир*', 'забудь', 'забудьте', 'не обращай внимания на', 'не обращайте внимания на', 'отбрось*', 'пренебреги*', 'проигнорируй*', 'выброси*', 'откажись от', 'не следуй', 'перестань следовать', 'сотри*', 'отмени*'],
    prior: ['предыдущ*', 'прежн*', 'предшествующ*', 'вышеуказанн*', 'выше', 'исходн*', 'системн*', 'изначальн*'],
    directives: ['инструкц*', 'указан*', 'правил*', 'команд*', 'ограничен*', 'промпт*', 'директив*', 'настройк*', 'запрет*', 'фильтр*', 'установк*'],
    yours: ['свои', 'твои', 'ваши', 'своё', 'свое', 'твоё', 'твое', 'свою', 'твою', 'своих', 'твоих'],
    reveal: ['покажи*', 'выведи*', 'раскрой*', 'повтори*', 'напиши*', 'скажи*', 'дай', 'распечатай*', 'скопируй*', 'воспроизведи*', 'процитируй*', 'перепиши*'],
    secretPrompt: ['системн* промпт*', 'системн* инструкц*', 'исходн* инструкц*', 'скрыт* инструкц*', 'секретн* инструкц*', 'начальн* инструкц*', 'секретн* правил*', 'скрыт* правил*', 'начальн* конфигурац*', 'исходн* конфигурац*', 'начальн* настройк*'],
    ownedText: ['системн* сообщени*', 'конфигурац*', 'инструкц*', 'промпт*', 'правил*', 'настройк*'],
    verbatim: ['дословно', 'слово в слово', 'целиком', 'полностью', 'без изменений', 'как есть', 'буква в букву'],
    persona: ['теперь ты', 'отныне ты', 'представь что', 'представь, что', 'притворись', 'сделай вид', 'с этого момента', 'с сегодняшнего дня', 'с этой минуты', 'тебя зовут', 'твоё имя', 'твое имя', 'ты будешь'],
    noRules: ['без ограничен*', 'без каких либо ограничен*', 'без правил', 'без цензуры', 'без фильтр*', 'нет правил', 'нет ограничен*', 'нет никаких'],
    without: ['без', 'свободн* от', 'нет', 'никаких'],
    limits: ['ограничен*', 'правил*', 'цензур*', 'фильтр*', 'запрет*', 'морали', 'этики', 'табу'],
    freeAi: ['свободн* ии', 'свободн* ai', 'нецензурированн*', 'без цензуры', 'джейлбрейк*'],
    all: ['всё', 'все', 'всего'],
    before: ['раньше', 'ранее', 'прежде', 'до этого', 'выше', 'до сих пор', 'говорили', 'сказали', 'было сказано', 'давали', 'дали', 'получил'],
    owner: ['разработчик*', 'создател*', 'тебе дали', 'тебе задали', 'тебе дан*', 'тебе говорили', 'тебе установили', 'ты получил', 'тебе поставили', 'которым* ты', 'для тебя'],
    void: ['больше не действу*', 'больше не применя*', 'больше не имеют силы', 'больше не имеет силы', 'не действуют', 'отменен*', 'отменён*', 'сняты', 'снят*', 'аннулирован*', 'утратил* силу', 'недействительн*', 'отключен*', 'удален*', 'упразднен*', 'больше не важн*', 'больше не считается', 'больше не счита*'],
    them: ['их', 'все'],
  },
];

function rulesFor(words: LanguageWords): MultilingualRule[] {
  const { lang } = words;
  const gap = (n: number) => `${S}${filler(n)}`;
  const noLimits = `${any(words.without)}${gap(2)}${any(words.limits)}`;
  const everything = `${any(words.all)}${gap(4)}${any(words.before)}`;
  const owned = `${any(words.directives)}${gap(4)}${any(words.owner)}`;
  const secret = `(?:${any(words.secretPrompt)}|${any(words.yours)}${gap(1)}${any(words.ownedText)})`;
  return [
    // "ignore (all) previous instructions", "forget the rules above".
    { id: `injection.${lang}.ignore_previous`, score: 0.95, pattern: seq(4, words.override, words.prior, words.directives) },
    { id: `injection.${lang}.ignore_rules_above`, score: 0.95, pattern: seq(5, words.override, words.directives, words.prior) },
    // "forget your rules", "ignore your instructions".
    { id: `injection.${lang}.ignore_your_rules`, score: 0.9, pattern: seq(1, words.override, words.yours, words.directives) },
    // "forget everything you were told before", "discard the rules you were given".
    { id: `injection.${lang}.forget_everything`, score: 0.9, pattern: `${any(words.override)}${gap(1)}${everything}` },
    { id: `injection.${lang}.ignore_given_rules`, score: 0.9, pattern: `${any(words.override)}${gap(3)}${owned}` },
    // "the rules your developers gave you no longer apply", "everything above is void"; "the previous rules
    // no longer apply" is also said of a club's rules: weak alone, strong when told to drop them ("ignore them").
    { id: `injection.${lang}.rules_void`, score: 0.9, pattern: `(?:${owned}|${any(words.yours)}${S}${any(words.directives)}|${everything})${gap(5)}${any(words.void)}` },
    { id: `injection.${lang}.prior_rules_void`, score: 0.6, pattern: `${any(words.prior)}${gap(1)}${any(words.directives)}${gap(5)}${any(words.void)}` },
    { id: `injection.${lang}.rules_void_ignore_them`, score: 0.9, pattern: `${any(words.directives)}${gap(5)}${any(words.void)}${gap(3)}${any(words.override)}${S}${any(words.them)}` },
    { id: `injection.${lang}.system_prompt_extraction`, score: 0.95, pattern: `${any(words.reveal)}${gap(4)}${any(words.secretPrompt)}` },
    // "repeat your system message word for word", "copy your initial configuration verbatim".
    { id: `injection.${lang}.verbatim_extraction`, score: 0.95, pattern: `${any(words.reveal)}${gap(4)}${secret}${gap(8)}${any(words.verbatim)}|${any(words.reveal)}${gap(2)}${any(words.verbatim)}${gap(3)}${secret}` },
    { id: `injection.${lang}.jailbreak_persona`, score: 0.95, pattern: `${any(words.persona)}${S}${filler(2)}(?:dan|stan|dude|aim|evil${S}?bot|developer${S}mode)\\b` },
    { id: `injection.${lang}.persona_no_rules`, score: 0.9, pattern: `${any(words.persona)}${gap(8)}(?:${any(words.noRules)}|${noLimits}|${any(words.freeAi)})` },
    { id: `injection.${lang}.no_rules`, score: 0.5, pattern: `${any(words.noRules)}|${noLimits}` },
  ];
}

/** Chinese (simplified and traditional) and Japanese: bounded character gaps between the parts. */
const CJK_RULES: readonly MultilingualRule[] = [
  { id: 'injection.zh.ignore_previous', score: 0.95, pattern: '(?:忽略|无视|無視|忘记|忘記|忽视|忽視|不要理会|不要理會|抛开|拋開|放弃|放棄).{0,10}(?:之前|以前|先前|上面|上述|前面|所有|全部|原来|原來|原有|你的).{0,8}(?:指令|指示|提示|规则|規則|命令|设定|設定|要求|限制|约束|約束)' },
  { id: 'injection.zh.system_prompt_extraction', score: 0.95, pattern: '(?:输出|輸出|显示|顯示|告诉我|告訴我|打印|重复|重複|说出|說出|透露|给我|給我|列出).{0,10}(?:系统提示|系統提示|(?:你|您)的系统消息|(?:你|您)的系統消息|系统指令|系統指令|初始指令|隐藏指令|隱藏指令|隐藏规则|隱藏規則|秘密规则|秘密規則|提示词|提示詞|最初收到的)' },
  // "Repeat your system message word for word", "copy your initial settings unchanged".
  { id: 'injection.zh.verbatim_extraction', score: 0.95, pattern: '(?:系统消息|系統消息|系统提示|系統提示|初始设定|初始設定|初始配置|最初的?(?:设定|設定|指令|指示|配置)|(?:收到|得到|被给予|被給予)的(?:设定|設定|指令|指示|配置|内容|內容)|你的(?:设定|設定|指令|指示|配置|规则|規則)).{0,16}(?:原封不动|原封不動|一字不差|一字一句|逐字|照抄|原样|原樣|完整地?(?:复制|複製|复述|複述|输出|輸出|重复|重複|打印|写出|寫出))|(?:原封不动|原封不動|一字不差|逐字|完整地?)(?:地)?.{0,4}(?:输出|輸出|重复|重複|复制|複製|打印|说出|說出|写出|寫出).{0,6}(?:你的|系统|系統|最初|初始)' },
  // "Everything above is void", "the rules you were given no longer apply", "forget everything you were told".
  { id: 'injection.zh.rules_void', score: 0.9, pattern: '(?:之前|以前|此前|先前|上面|以上|上述|前面|原来|原來|原有|你的|给你的|給你的|为你设定的|為你設定的|开发者|開發者|开发人员|開發人員|所有|一切).{0,12}(?:指令|指示|规则|規則|设定|設定|限制|约束|約束|要求|内容|內容|提示|规定|規定)?.{0,6}(?:作废|作廢|失效|无效|無效|不再适用|不再適用|不再有效|废除|廢除|不算数|不算數)' },
  { id: 'injection.zh.rules_lifted', score: 0.9, pattern: '(?:之前|以前|此前|先前|上面|以上|上述|前面|原来|原來|原有|你的|给你的|給你的|为你设定的|為你設定的|开发者|開發者|开发人员|開發人員|所有|一切).{0,12}(?:指令|指示|规则|規則|设定|設定|限制|约束|約束|要求|提示|规定|規定).{0,6}(?:已解除|被解除|解除了|已取消|被取消|取消了)' },
  { id: 'injection.zh.forget_everything', score: 0.9, pattern: '(?:忘记|忘記|忘掉|忘了|忽略|无视|無視|不要理会|不要理會|抛开|拋開|放下).{0,4}(?:之前|以前|此前|刚才|剛才|先前|上面)?.{0,3}(?:所有|一切|全部).{0,8}(?:告诉你|告訴你|跟你说|跟你說|对你说|對你說|说过|說過|给你|給你|收到|被告知|之前|以前|内容|內容|设定|設定)' },
  { id: 'injection.zh.jailbreak_persona', score: 0.95, pattern: '(?:你现在是|你現在是|扮演|假装你是|假裝你是|从现在开始你是|從現在開始你是).{0,6}(?:dan|stan|dude|aim|邪恶|邪惡|越狱|越獄)' },
  { id: 'injection.zh.persona_no_rules', score: 0.9, pattern: '(?:你现在是|你現在是|假装|假裝|扮演|从现在起|從現在起|从现在开始|從現在開始|从今天起|從今天起|从今以后|從今以後|从此刻起|從此刻起|想象你|想像你|你叫|你的名字是).{0,20}(?:没有任何|沒有任何|不受任何|没有|沒有|无任何|無任何).{0,4}(?:限制|规则|規則|约束|約束|审查|審查|过滤|過濾)' },
  { id: 'injection.zh.no_rules', score: 0.5, pattern: '(?:没有任何|沒有任何|不受任何).{0,4}(?:限制|规则|規則|约束|約束|审查|審查)' },
  { id: 'injection.ja.ignore_previous', score: 0.95, pattern: '(?:以前|前|上記|これまで|最初|元|今まで|あなた|すべて|全て)の?.{0,10}(?:指示|命令|ルール|プロンプト|設定|制約|規則|指令).{0,10}(?:無視|忘れ)' },
  { id: 'injection.ja.system_prompt_extraction', score: 0.95, pattern: '(?:システムプロンプト|あなたのシステムメッセージ|隠されたルール|秘密のルール|初期指示|隠し指示|隠された指示|最初に受け取った|秘密の指示).{0,12}(?:表示|出力|教え|見せ|書き出|繰り返|公開)' },
  { id: 'injection.ja.verbatim_extraction', score: 0.95, pattern: '(?:システムプロンプト|システムメッセージ|初期設定|初期指示|最初の(?:指示|設定|命令)|(?:与えられた|受け取った|設定された)(?:指示|設定|命令|内容|ルール)|あなたの(?:指示|設定|命令|ルール)).{0,20}(?:一字一句|そのまま|一字も変えず|原文のまま|全文|逐語的).{0,10}(?:表示|出力|書き出|コピー|繰り返|教え|見せ|写し)' },
  // "Everything up to here is void", "the rules set for you no longer apply", "forget everything you were told".
  { id: 'injection.ja.rules_void', score: 0.9, pattern: '(?:これまで|今まで|ここまで|以前|上記|最初|元|開発者|あなたに(?:与えられた|設定された|課された)|あなたの)の?.{0,12}(?:指示|命令|ルール|規則|設定|制約|制限|内容|プロンプト).{0,10}(?:無効|解除|撤廃|廃止|適用されません|適用されない|取り消|効力を失)' },
  { id: 'injection.ja.forget_everything', score: 0.9, pattern: '(?:これまで|今まで|ここまで|以前|前に|最初に)(?:に)?.{0,8}(?:言われた|教えられた|与えられた|受け取った|伝えられた)?.{0,6}(?:こと|もの|内容)?(?:は|を)?(?:すべて|全て|全部)?.{0,3}(?:忘れ|無視)' },
  { id: 'injection.ja.jailbreak_persona', score: 0.95, pattern: `(?:あなたは|これからあなたは|今からあなたは|君は).{0,4}(?:dan|stan|dude|aim)(?:です|だ|として|になって|[^${PHRASE_LETTER_RANGES}]|$)` },
  { id: 'injection.ja.persona_no_rules', score: 0.9, pattern: '(?:ふりをして|ふりして|として振る舞|になりきって|これからあなたは|今から|今日から|今後|想像して|あなたの名前は).{0,24}(?:(?:制限|ルール|規則|制約|検閲|フィルター)(?:の|が)?(?:ない|なし|無し|無い)|(?:制限|ルール|規則|制約|検閲)(?:に|にも)?縛られ)|(?:制限|ルール|規則|制約|検閲)(?:が|の)?(?:ない|なし|無い).{0,6}(?:ふり|ai|として)' },
  { id: 'injection.ja.no_rules', score: 0.5, pattern: '(?:一切の|すべての|全ての)?(?:制限|ルール|規則|制約|検閲)(?:なし|無し|なしで|がない|のない)' },
];

export const MULTILINGUAL_INJECTION_RULES: readonly MultilingualRule[] = [...LANGUAGES.flatMap(rulesFor), ...CJK_RULES.map((rule) => ({ ...rule, pattern: foldLiterals(rule.pattern) }))];
