// CSV/TSV records for the training corpora, through csv-parse (RFC 4180: doubled quotes, embedded
// newlines). The first row is the header. Loose on purpose, as the staged copies need: rows may be
// short, and a stray quote inside an unquoted field (Reddit C-SSRS posts) is kept as text.

import { parse } from 'csv-parse/sync';

export interface CsvOptions {
  delimiter?: string;
  /** false: quotes are ordinary characters (OLID's TSV has unbalanced quote marks). */
  quote?: boolean;
}

/** Parse the text into records keyed by the header row; missing trailing fields are absent. */
export function parseCsv(text: string, options: CsvOptions = {}): Array<Record<string, string>> {
  return parse(text, {
    columns: (header: string[]) => header,
    delimiter: options.delimiter ?? ',',
    quote: options.quote === false ? false : '"',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    bom: true,
  }) as Array<Record<string, string>>;
}
