// Spreadsheet safety for every file a person opens in Excel (archive extracts, rejects reports).

/** Characters that make a spreadsheet read a cell as a formula or a command (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r\n]/;

/**
 * OWASP CSV-injection neutralisation: a text cell that begins with `=`, `+`, `-`, `@`, tab, CR or
 * LF gets a single quote in front, so Excel, LibreOffice and Google Sheets show it as text instead
 * of evaluating it. Only text cells are touched: numbers stay numbers (a negative amount is a
 * number cell, never text). `-1+1` is text here, and would otherwise be evaluated.
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** True when a text cell would be neutralised. */
export function looksLikeFormula(text: string): boolean {
  return FORMULA_START.test(text);
}
