// Language identification for the pre-filter stage (seed 000: "Language ID, max length, encoding
// sanity"), on eld (Nito-ELD, pure JavaScript n-gram detector, 60 languages, Apache-2.0): runs on
// Node and Workers alike. The extra-small database (~1 MB) is loaded once per process, lazily, the
// first time a guard is built; detection is synchronous after that (~0.05 ms for a chat message).
// Short texts carry too few n-grams to tell languages apart ("hola", "ciao"): eld then says so
// (isReliable false) and the guess is reported as unreliable, never acted on.

export interface LanguageGuess {
  /** ISO 639-1 code (`en`, `fr`, `zh`...), or null when nothing could be told. */
  readonly code: string | null;
  /** eld's own reliability verdict: enough n-grams and a clear winner. */
  readonly reliable: boolean;
}

/** Characters read per text: the opening of a long text tells its language as well as all of it. */
const MAX_CHARS = 1_000;

interface Detector {
  detect(text: string): { language: string; isReliable(): boolean };
}

let detector: Detector | null = null;
let loading: Promise<void> | null = null;

/** Loads the language database once; later calls return the same promise. */
export function loadLanguageIdentifier(): Promise<void> {
  loading ??= import('eld/extrasmall').then((module) => {
    detector = module.eld;
  });
  return loading;
}

/** The language of `text`, or null (not loaded yet, or nothing to read). */
export function identifyLanguage(text: string): LanguageGuess | null {
  if (detector === null) return null;
  const result = detector.detect(text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text);
  const code = result.language === '' ? null : result.language;
  return { code, reliable: code !== null && result.isReliable() };
}
