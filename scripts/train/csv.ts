// A small RFC 4180 CSV/TSV reader for the training corpora (quoted fields with doubled quotes and
// embedded newlines). Written here because csv-parse is not among the installed packages.

export interface CsvOptions {
  delimiter?: string;
  /** false: quotes are ordinary characters (OLID's TSV has unbalanced quote marks). */
  quote?: boolean;
}

/** Parse rows of fields; the first row is the header and becomes the keys of each record. */
export function parseCsv(text: string, options: CsvOptions = {}): Array<Record<string, string>> {
  const delimiter = options.delimiter ?? ',';
  const quoting = options.quote ?? true;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += ch;
    } else if (ch === '"' && quoting && field.length === 0) inQuotes = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows.filter((r) => r.length > 1 || (r[0] ?? '') !== '');
  if (!header) return [];
  return body.map((r) => Object.fromEntries(header.map((key, i) => [key, r[i] ?? ''])));
}
