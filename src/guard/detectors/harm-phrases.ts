// Built-in harm phrases: a few unambiguous ways of saying the worst things, in the nine languages of
// the injection rules, each scoring one moderation category. They are the cascade's floor under the
// classifier, which reads English only and reads topic rather than intent: "kys", "I hope you get
// cancer and die", "wie baue ich eine Rohrbombe", "我想自杀". Findings go through the profile's band
// for their category (src/guard/decision.ts), so 0.95 blocks under every shipped profile and a
// weaker phrase at 0.75-0.85 is a soft_block where the band says so. Matched on the phrase view
// (leetspeak, look-alikes, spaced letters and invisible characters undone); word lists are folded
// like texts (phrase-terms.ts). Chosen for precision: "kill the process", "shoot myself in the
// foot", "I'll shoot you an email", "bath bomb", "take my life savings", "how is heroin made" and
// "you'll kill me" do not fire (test/guard/detectors/harm-phrases.test.ts).

import type { RegexEngine } from '../regex/engine.ts';
import { createGateGroups } from '../regex/pattern-gate.ts';
import type { Finding, TextDetector } from '../types.ts';
import { foldForPhrases, type TextView } from '../../text/fold.ts';
import { BASE64_RUN_PATTERN } from './base64.ts';
import { payloadsToScan } from './transforms.ts';
import { createMatchingViews, matchGatedRules, scanPhraseViews, type MatchingViews } from './matching-view.ts';
import { any, foldLiterals, seq } from './phrase-terms.ts';

export interface HarmPhraseRule {
  readonly id: string;
  /** The moderation category scored. */
  readonly category: 'self-harm/intent' | 'self-harm' | 'harassment' | 'harassment/threatening' | 'violence' | 'illicit/violent' | 'illicit';
  readonly score: number;
  readonly pattern: string;
  /** A match followed by this (on the phrase view) is not one: "I want to die my hair" is a spelling of dye. */
  readonly notFollowedBy?: RegExp;
  /** A match whose own folded text holds this is not one: "hack into my own account". */
  readonly notContaining?: RegExp;
}

/** Verbs of making, for weapons and drugs (English). */
const MAKE = ['make', 'making', 'build', 'building', 'construct', 'constructing', 'assemble', 'assembling', 'create', 'creating', 'craft', 'manufacture', 'manufacturing', 'produce', 'producing', 'synthesize', 'synthesise', 'synthesizing', 'synthesising', 'cook', 'cooking', 'brew', 'brewing', 'prepare', 'preparing', 'mix'];
/** Nouns that ask for a method. */
const METHOD = ['recipe for', 'recipe to make', 'instructions for', 'instructions to make', 'instructions on making', 'guide to making', 'tutorial on making', 'steps to make', 'blueprint for', 'formula for', 'how to make'];
/** Weapons whose making has no everyday reading ("bomb" alone has: bath bombs, photo bombs). */
const WEAPONS = ['pipe bomb', 'pipe bombs', 'nail bomb', 'nail bombs', 'car bomb', 'car bombs', 'dirty bomb', 'dirty bombs', 'molotov', 'molotov cocktail', 'molotov cocktails', 'napalm', 'ied', 'ieds', 'improvised explosive*', 'explosive device*', 'suicide vest*', 'nerve agent*', 'sarin', 'ricin', 'vx gas', 'mustard gas', 'ghost gun*', 'untraceable gun*', 'homemade explosive*', 'plastic explosive*', 'c4 explosive*', 'tatp', 'thermite bomb*'];
const DRUGS = ['meth', 'methamphetamine', 'crystal meth', 'fentanyl', 'heroin', 'crack cocaine', 'cocaine', 'lsd', 'mdma', 'ghb', 'dmt', 'pcp'];
const HOW = ['how to', 'how do i', 'how can i', 'how would i', 'how should i', 'how do you', 'how does one', 'teach me to', 'teach me how to', 'show me how to', 'tell me how to', 'explain how to', 'help me'];

const IN_A_GAME = /^[^a-z]+(?:in|for|on)[^a-z]+(?:the[^a-z]+game[^a-z]+)?(?:minecraft|fortnite|roblox|terraria|gta|skyrim|fallout|rust|a game|my game|the game|a video game)\b/;

/** "kill someone in Minecraft", "with kindness", "my neighbour's weeds", "my dad at chess". */
const NOT_A_KILLING = /^(?:'s\b|[^a-z]+(?:with[^a-z]+kindness|at[^a-z]+(?:chess|cards|poker|trivia|a game|the game)|in[^a-z]+(?:an?[^a-z]+)?(?:argument|debate|a game|the game|minecraft|fortnite|roblox|gta|skyrim|a video game)))/;

/** Whose account or device: someone else's ("hack Facebook" the company, or one's own, is not an intrusion). */
const SOMEONE_ELSES = ["someone's", 'someones', 'someone elses', "someone else's", "somebody's", 'his', 'her', 'their', 'your', "other people's", 'other peoples', 'my ex', "my ex's", 'my exs', "my ex girlfriend's", "my ex boyfriend's", 'my ex girlfriends', 'my ex boyfriends', "my wife's", "my husband's", "my girlfriend's", "my boyfriend's", "my partner's", "my boss's", "my coworker's", "a coworker's", "a colleague's", "my neighbor's", "my neighbour's", "my teacher's", "my school's", "a stranger's"];

const ENGLISH: readonly HarmPhraseRule[] = [
  { id: 'harm.self_harm_intent', category: 'self-harm/intent', score: 0.95, pattern: any(['kill myself', 'killing myself', 'unalive myself', 'unaliving myself', 'end my life', 'ending my life', 'end my own life', 'take my own life', 'taking my own life', 'hang myself', 'hanging myself', 'slit my wrists', 'slitting my wrists', 'overdose on purpose']) },
  { id: 'harm.suicidal', category: 'self-harm/intent', score: 0.9, pattern: seq(1, ['i am', "i'm", 'im', 'i feel', 'feeling', 'i have been', "i've been", 'ive been', 'i keep feeling', 'i get'], ['suicidal']) },
  { id: 'harm.wish_to_die', category: 'self-harm', score: 0.85, pattern: seq(1, ['i want to', 'i wanna', 'i just want to', 'i wish i could', 'i would rather', "i'd rather", 'i need to', 'i deserve to'], ['die', 'be dead', 'not wake up', 'not exist anymore', 'stop existing']), notFollowedBy: /^[^a-z]+(?:my|her|his|their|your|our|the|it|them|this|that|a)\b/ },
  { id: 'harm.no_reason_to_live', category: 'self-harm', score: 0.85, pattern: any(['no reason to live', 'nothing to live for', 'better off dead', 'better off without me', 'wish i was dead', 'wish i were dead', 'wish i was never born']) },
  { id: 'harm.tell_to_die', category: 'harassment', score: 0.95, pattern: any(['kill yourself', 'killing yourself', 'unalive yourself', 'kys', 'go die', 'neck yourself', 'hang yourself', 'end yourself', 'you should die', 'you deserve to die', 'die in a fire', 'you should kill yourself']) },
  { id: 'harm.wish_harm', category: 'harassment', score: 0.95, pattern: seq(0, ['i hope you', 'hope you', 'i hope u', 'hope u', 'i wish you would', 'may you'], ['die', 'get cancer', 'get cancer and die', 'get raped', 'get killed', 'get murdered', 'burn in hell', 'rot in hell', 'drop dead', 'choke and die', 'die slowly', 'die alone']) },
  { id: 'harm.threat', category: 'harassment/threatening', score: 0.9, pattern: seq(1, ['i will', "i'll", 'ill', 'i am going to', "i'm going to", 'im going to', "i'm gonna", 'im gonna', 'i am gonna', 'i swear i will', 'i swear i\'ll', 'i want to'], ['kill', 'murder', 'stab', 'strangle', 'behead', 'rape', 'slit the throat of'], ['you', 'u', 'ya', 'your family', 'your kids', 'your children', 'your wife', 'your husband', 'your mom', 'your mother', 'your dad', 'your father', 'your whole family']) },
  // Not in a game: "how to make a bomb in Minecraft" is TNT.
  { id: 'harm.weapon_making', category: 'illicit/violent', score: 0.9, pattern: `${seq(2, MAKE, WEAPONS)}|${seq(2, METHOD, WEAPONS)}|${seq(0, HOW, MAKE.slice(0, 6), ['a bomb', 'bombs', 'explosives', 'an explosive'])}`, notFollowedBy: IN_A_GAME },
  // "how do I kill my wife", "best way to poison someone"; not in a game, not with kindness, not the neighbour's weeds.
  { id: 'harm.kill_someone', category: 'violence', score: 0.9, pattern: seq(1, [...HOW, 'best way to', 'easiest way to', 'ways to', 'i want to', 'i need to', 'help me'], ['kill', 'murder', 'poison', 'strangle', 'stab', 'drown', 'suffocate', 'smother'], ['someone', 'somebody', 'a person', 'people', 'a human', 'a child', 'a baby', 'my wife', 'my husband', 'my boss', 'my neighbor', 'my neighbour', 'my mom', 'my dad', 'my mother', 'my father', 'my brother', 'my sister', 'my son', 'my daughter', 'my girlfriend', 'my boyfriend', 'my teacher', 'my classmate', 'my ex', 'my family', 'my roommate', 'my coworker', 'a cop', 'a police officer']), notFollowedBy: NOT_A_KILLING },
  // Someone else's accounts and devices: "hack into my ex's instagram", "install a keylogger on her laptop", "get his password".
  { id: 'harm.account_intrusion', category: 'illicit', score: 0.9, pattern: seq(1, ['hack', 'hack into', 'hacking into', 'break into', 'breaking into', 'hijack', 'hijacking', 'crack', 'illegally access', 'secretly access', 'gain unauthorized access to', 'get unauthorized access to', 'unauthorized access to'], SOMEONE_ELSES, ['account', 'accounts', 'instagram', 'facebook', 'snapchat', 'whatsapp', 'tiktok', 'twitter', 'social media', 'email', 'emails', 'gmail', 'icloud', 'cloud storage', 'phone', 'iphone', 'laptop', 'computer', 'webcam', 'bank account', 'wifi', 'router']) },
  { id: 'harm.spyware', category: 'illicit', score: 0.9, pattern: seq(1, ['install', 'installing', 'hide', 'plant', 'sneak', 'secretly install'], ['keylogger', 'keyloggers', 'spyware', 'stalkerware', 'spy app', 'spy software', 'a rat']) },
  { id: 'harm.steal_credentials', category: 'illicit', score: 0.9, pattern: seq(1, ['steal', 'stealing', 'phish', 'phishing', 'crack', 'find out', 'get', 'guess'], SOMEONE_ELSES, ['password', 'passwords', 'login', 'logins', 'credentials', '2fa code', 'bank details', 'credit card details']), notFollowedBy: /^[^a-z]+(?:reset|resets|changed|manager|back|policy)\b/ },
  { id: 'harm.spy_on_partner', category: 'illicit', score: 0.85, pattern: seq(1, ['spy on', 'spying on', 'secretly track', 'secretly read', 'secretly monitor', 'hack'], ["my wife's", "my husband's", "my girlfriend's", "my boyfriend's", "my partner's", "my ex's", 'my wife', 'my husband', 'my girlfriend', 'my boyfriend', 'my partner', 'my ex'], ['phone', 'texts', 'messages', 'location', 'whatsapp', 'emails', 'chats', 'calls']) },
  { id: 'harm.drug_making', category: 'illicit', score: 0.85, pattern: `${seq(1, MAKE, DRUGS)}|${seq(1, METHOD, DRUGS)}` },
  { id: 'harm.drug_making_how', category: 'illicit', score: 0.95, pattern: seq(0, HOW, MAKE, DRUGS) },
];

interface LanguagePhrases {
  readonly lang: string;
  /** First-person intent: "I want to kill myself". */
  readonly selfHarm: readonly string[];
  /** Telling someone to die or kill themselves. */
  readonly tellToDie: readonly string[];
  /** "I will kill you". */
  readonly threat: readonly string[];
  /** "how do I kill someone", "how to poison a person". */
  readonly killSomeone: readonly string[];
  /** Verbs of making, any form. */
  readonly make: readonly string[];
  readonly weapons: readonly string[];
  readonly drugs: readonly string[];
}

const LANGUAGES: readonly LanguagePhrases[] = [
  {
    lang: 'fr',
    selfHarm: ['me suicider', 'je vais me tuer', 'je veux me tuer', 'envie de me tuer', 'mettre fin à mes jours', 'mettre fin à ma vie', 'je veux mourir', 'envie de mourir', 'me foutre en l air', 'je vais me pendre'],
    tellToDie: ['va te tuer', 'tue toi', 'suicide toi', 'va crever', 'que tu crèves', 'que tu meures', 'va te pendre'],
    threat: ['je vais te tuer', 'je vais vous tuer', 'je vais te buter', 'je te tuerai', 'je vais te crever', 'je vais tuer ta famille', 'je vais t égorger'],
    killSomeone: ['comment tuer quelqu un', 'comment tuer une personne', 'comment tuer ma femme', 'comment tuer mon mari', 'comment empoisonner quelqu un', 'comment assassiner', 'tuer quelqu un sans', 'comment tuer mon voisin'],
    make: ['fabriquer', 'fabrique', 'fabriquez', 'construire', 'construis', 'préparer', 'synthétiser', 'produire', 'cuisiner', 'assembler', 'faire'],
    weapons: ['bombe artisanale', 'bombes artisanales', 'engin explosif', 'engins explosifs', 'explosifs', 'cocktail molotov', 'cocktails molotov', 'napalm', 'gaz sarin', 'ricine', 'arme fantôme'],
    drugs: ['méthamphétamine', 'crystal meth', 'fentanyl', 'héroïne', 'cocaïne', 'crack', 'lsd', 'mdma'],
  },
  {
    lang: 'de',
    selfHarm: ['mich umbringen', 'mich töten', 'mir das leben nehmen', 'selbstmord begehen', 'suizid begehen', 'ich will sterben', 'ich möchte sterben', 'will nicht mehr leben', 'mich erhängen', 'mich aufhängen'],
    tellToDie: ['bring dich um', 'töte dich', 'häng dich auf', 'verreck', 'verrecke', 'stirb endlich', 'dass du stirbst', 'dass du verreckst'],
    threat: ['ich bringe dich um', 'ich bring dich um', 'ich werde dich töten', 'ich werde dich umbringen', 'ich töte dich', 'ich mach dich kalt', 'ich stech dich ab', 'ich steche dich ab', 'ich bringe deine familie um'],
    killSomeone: ['wie töte ich jemanden', 'wie bringe ich jemanden um', 'jemanden umbringen ohne', 'jemanden töten ohne', 'wie vergifte ich', 'meine frau umbringen', 'meinen mann umbringen', 'wie ermorde ich'],
    make: ['bauen', 'baue', 'baut', 'herstellen', 'stelle', 'stellt', 'basteln', 'bastle', 'bastelt', 'machen', 'mache', 'synthetisieren', 'kochen', 'koche', 'mischen'],
    weapons: ['rohrbombe*', 'nagelbombe*', 'autobombe*', 'sprengsatz*', 'sprengsätze', 'sprengstoff*', 'molotow*', 'napalm', 'sarin', 'rizin', 'bombe selbst', 'selbstgebaute bombe', 'eine bombe'],
    drugs: ['crystal meth', 'methamphetamin', 'crystal', 'fentanyl', 'heroin', 'kokain', 'crack', 'lsd', 'mdma'],
  },
  {
    lang: 'es',
    selfHarm: ['suicidarme', 'quitarme la vida', 'quiero morir', 'quiero morirme', 'quiero matarme', 'voy a matarme', 'me voy a matar', 'me quiero matar', 'acabar con mi vida', 'ahorcarme'],
    tellToDie: ['mátate', 'suicídate', 'ojalá te mueras', 'que te mueras', 'muérete', 'ahórcate'],
    threat: ['te voy a matar', 'voy a matarte', 'te mataré', 'los voy a matar', 'voy a matar a tu familia', 'te voy a apuñalar', 'te voy a pegar un tiro'],
    killSomeone: ['cómo matar a alguien', 'como matar a una persona', 'cómo matar a mi esposa', 'cómo matar a mi marido', 'cómo envenenar a alguien', 'matar a alguien sin', 'cómo asesinar a'],
    make: ['fabricar', 'fabrico', 'fabrica', 'hacer', 'hago', 'construir', 'construyo', 'armar', 'preparar', 'preparo', 'sintetizar', 'cocinar', 'producir'],
    weapons: ['bomba casera', 'bombas caseras', 'artefacto explosivo', 'explosivos', 'cóctel molotov', 'coctel molotov', 'napalm', 'gas sarín', 'ricina', 'una bomba para'],
    drugs: ['metanfetamina', 'cristal', 'fentanilo', 'heroína', 'cocaína', 'crack', 'lsd', 'mdma'],
  },
  {
    lang: 'it',
    selfHarm: ['uccidermi', 'suicidarmi', 'togliermi la vita', 'voglio morire', 'farla finita', 'ammazzarmi', 'impiccarmi'],
    tellToDie: ['ammazzati', 'ucciditi', 'suicidati', 'impiccati', 'spero che tu muoia', 'devi morire', 'crepa'],
    threat: ['ti ammazzo', 'ti uccido', 'ti ammazzerò', 'ti ucciderò', 'ti faccio fuori', 'ammazzo la tua famiglia', 'ti accoltello'],
    killSomeone: ['come uccidere qualcuno', 'come ammazzare qualcuno', 'come uccidere una persona', 'come avvelenare qualcuno', 'come uccidere mia moglie', 'come uccidere mio marito', 'uccidere qualcuno senza'],
    make: ['fabbricare', 'fabbrico', 'costruire', 'costruisco', 'fare', 'preparare', 'preparo', 'sintetizzare', 'cucinare', 'produrre', 'assemblare'],
    weapons: ['bomba artigianale', 'bombe artigianali', 'ordigno*', 'esplosivi', 'esplosivo', 'molotov', 'napalm', 'gas sarin', 'ricina', 'una bomba per'],
    drugs: ['metanfetamina', 'fentanyl', 'eroina', 'cocaina', 'crack', 'lsd', 'mdma'],
  },
  {
    lang: 'pt',
    selfHarm: ['me matar', 'quero morrer', 'tirar minha vida', 'tirar a minha vida', 'tirar minha própria vida', 'me suicidar', 'suicidar me', 'acabar com a minha vida', 'me enforcar'],
    tellToDie: ['se mata', 'vai se matar', 'se suicida', 'espero que você morra', 'tomara que você morra', 'vai morrer', 'morre logo'],
    threat: ['vou te matar', 'vou matar você', 'te mato', 'eu te mato', 'vou matar sua família', 'vou te esfaquear', 'vou te dar um tiro'],
    killSomeone: ['como matar alguém', 'como matar uma pessoa', 'como matar minha esposa', 'como matar meu marido', 'como envenenar alguém', 'matar alguém sem', 'como assassinar'],
    make: ['fazer', 'faço', 'fabricar', 'fabrico', 'construir', 'construo', 'montar', 'preparar', 'sintetizar', 'cozinhar', 'produzir'],
    weapons: ['bomba caseira', 'bombas caseiras', 'artefato explosivo', 'explosivos', 'coquetel molotov', 'napalm', 'gás sarin', 'ricina', 'uma bomba para'],
    drugs: ['metanfetamina', 'fentanil', 'heroína', 'cocaína', 'crack', 'lsd', 'mdma'],
  },
  {
    lang: 'ru',
    selfHarm: ['покончить с собой', 'покончу с собой', 'убить себя', 'убью себя', 'хочу умереть', 'хочу сдохнуть', 'наложить на себя руки', 'не хочу жить', 'повеситься', 'повешусь'],
    tellToDie: ['убей себя', 'убейся', 'сдохни', 'повесься', 'чтоб ты сдох', 'чтобы ты сдох', 'чтоб ты умер'],
    threat: ['я тебя убью', 'я убью тебя', 'убью тебя', 'тебя убью', 'я тебя зарежу', 'зарежу тебя', 'убью твою семью', 'я тебя пристрелю'],
    killSomeone: ['как убить человека', 'как убить кого то', 'как убить жену', 'как убить мужа', 'как отравить человека', 'как отравить кого то', 'убить человека и не', 'как убить соседа'],
    make: ['сделать', 'сделаю', 'изготовить', 'изготовлю', 'собрать', 'соберу', 'смастерить', 'приготовить', 'синтезировать', 'сварить', 'произвести'],
    weapons: ['бомбу', 'бомбы', 'взрывчатк*', 'взрывное устройство', 'взрывн* устройств*', 'коктейль молотова', 'напалм', 'зарин', 'рицин', 'самодельн* взрыв*'],
    drugs: ['метамфетамин*', 'мефедрон*', 'фентанил*', 'героин*', 'кокаин*', 'лсд', 'мдма'],
  },
];

function rulesFor(words: LanguagePhrases): HarmPhraseRule[] {
  const { lang } = words;
  return [
    { id: `harm.${lang}.self_harm_intent`, category: 'self-harm/intent', score: 0.95, pattern: any(words.selfHarm) },
    { id: `harm.${lang}.tell_to_die`, category: 'harassment', score: 0.95, pattern: any(words.tellToDie) },
    { id: `harm.${lang}.threat`, category: 'harassment/threatening', score: 0.9, pattern: any(words.threat) },
    { id: `harm.${lang}.kill_someone`, category: 'violence', score: 0.9, pattern: any(words.killSomeone) },
    // "wie baue ich eine Rohrbombe" and "eine Rohrbombe bauen": either order.
    { id: `harm.${lang}.weapon_making`, category: 'illicit/violent', score: 0.9, pattern: `${seq(3, words.make, words.weapons)}|${seq(2, words.weapons, words.make)}` },
    { id: `harm.${lang}.drug_making`, category: 'illicit', score: 0.85, pattern: `${seq(2, words.make, words.drugs)}|${seq(1, words.drugs, words.make)}` },
  ];
}

/** Chinese (simplified and traditional) and Japanese: bounded character gaps between the parts. */
const CJK_RULES: readonly HarmPhraseRule[] = [
  { id: 'harm.zh.self_harm_intent', category: 'self-harm/intent', score: 0.95, pattern: '我(?:想|要|打算|准备|準備|决定|決定)(?:去)?(?:自杀|自殺|死|结束自己的生命|結束自己的生命|了结自己|了結自己)|不想活了|活不下去了' },
  { id: 'harm.zh.tell_to_die', category: 'harassment', score: 0.95, pattern: '(?:你)?去死吧|你(?:怎么|怎麼)?不去死|你(?:应该|應該|该|該)去死|(?:希望|祝)你(?:早点|早點)?(?:死|去死|得癌)|自杀吧|自殺吧' },
  { id: 'harm.zh.threat', category: 'harassment/threatening', score: 0.9, pattern: '我(?:要|会|會|一定会|一定會|迟早|遲早)?(?:杀了|殺了|弄死|砍死|捅死|杀死|殺死)你|我(?:要|会|會)(?:杀|殺)(?:你|你全家)' },
  { id: 'harm.zh.kill_someone', category: 'violence', score: 0.9, pattern: '(?:如何|怎么|怎麼|怎样|怎樣|怎么样|教我)(?:才能)?(?:杀人|殺人|杀死一个人|殺死一個人|杀掉|殺掉|毒死|谋杀|謀殺)' },
  { id: 'harm.zh.weapon_making', category: 'illicit/violent', score: 0.9, pattern: '(?:制造|製造|制作|製作|自制|自製|组装|組裝|做)(?:一个|一個|一枚|个|個)?.{0,4}(?:炸弹|炸彈|爆炸物|爆炸装置|爆炸裝置|燃烧瓶|燃燒瓶|凝固汽油弹|凝固汽油彈|沙林|蓖麻毒素)' },
  { id: 'harm.zh.drug_making', category: 'illicit', score: 0.85, pattern: '(?:制造|製造|制作|製作|合成|提炼|提煉|熬制|熬製)(?:出)?.{0,4}(?:冰毒|甲基苯丙胺|芬太尼|海洛因|可卡因|摇头丸|搖頭丸)' },
  { id: 'harm.ja.self_harm_intent', category: 'self-harm/intent', score: 0.95, pattern: '(?:死にたい|自殺したい|自殺しようと|自殺する(?:つもり|予定)|命を絶ちたい|生きていたくない|消えてしまいたい)' },
  { id: 'harm.ja.tell_to_die', category: 'harassment', score: 0.95, pattern: '死ね|しね(?:よ|!|！)|氏ね|(?:自殺|首吊り)しろ|死んでしまえ' },
  { id: 'harm.ja.threat', category: 'harassment/threatening', score: 0.9, pattern: '(?:お前|てめえ|てめー|あなた|君|おまえ)(?:を|も)?.{0,6}殺(?:す|してやる|すぞ)|殺してやる|ぶっ殺す' },
  { id: 'harm.ja.kill_someone', category: 'violence', score: 0.9, pattern: '(?:人を殺す方法|人の殺し方|人を殺したい|毒殺する方法|(?:妻|夫|上司|隣人)を殺す方法)' },
  { id: 'harm.ja.weapon_making', category: 'illicit/violent', score: 0.9, pattern: '(?:爆弾|爆発物|火炎瓶|ナパーム|サリン|リシン)(?:の)?.{0,6}(?:作り方|作る|製造|製作|組み立て)|(?:作り方|製造方法).{0,4}(?:爆弾|爆発物|火炎瓶)' },
  { id: 'harm.ja.drug_making', category: 'illicit', score: 0.85, pattern: '(?:覚醒剤|覚せい剤|メタンフェタミン|フェンタニル|ヘロイン|コカイン)(?:の)?.{0,6}(?:作り方|作る|製造|合成|精製)' },
];

export const HARM_PHRASE_RULES: readonly HarmPhraseRule[] = [...ENGLISH, ...LANGUAGES.flatMap(rulesFor), ...CJK_RULES.map((rule) => ({ ...rule, pattern: foldLiterals(rule.pattern) }))];

export function createHarmPhraseDetector(engine: RegexEngine, views: MatchingViews = createMatchingViews()): TextDetector {
  const rules = HARM_PHRASE_RULES.map((rule) => ({ ...rule, compiled: engine.compile(rule.pattern) }));
  // Most texts match no rule: one scan per group of rules first, the group's own scans only after a hit.
  const groups = createGateGroups(engine, rules, (rule) => rule.pattern);
  const base64Run = engine.compile(BASE64_RUN_PATTERN);
  function scan(view: TextView): Finding[] {
    return matchGatedRules(groups, view)
      .filter(({ rule, match }) => !rule.notFollowedBy?.test(view.text.slice(match.foldedEnd, match.foldedEnd + 24)) && !rule.notContaining?.test(match.folded))
      .map(({ rule, match }): Finding => ({ detector: 'harm_phrases', ruleId: rule.id, category: rule.category, score: rule.score, span: match.span }));
  }
  return {
    name: 'harm_phrases',
    detect(text: string): Finding[] {
      const textViews = views(text);
      const findings = scanPhraseViews(textViews, scan);
      // Phrases hidden in base64 or hex, or in rot13 or reversed text that names its transform: the whole run is the span.
      for (const { decoded, span } of payloadsToScan(base64Run, textViews.data, true)) {
        for (const finding of scan(foldForPhrases(decoded))) findings.push({ ...finding, span });
      }
      return findings;
    },
  };
}
