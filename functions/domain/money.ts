// Money is held as integer cents: sums are exact, and the only division happens in ratios.

export type Cents = number;

const MONEY = /^\d+(\.\d{1,2})?$/;

/** Parses a contract money string (`12000`, `12000.5`, `12000.50`) into cents; null when invalid. */
export function parseMoney(value: string): Cents | null {
  const s = value.trim();
  if (!MONEY.test(s)) return null;
  const [whole, frac = ''] = s.split('.');
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : null;
}

/** Cents as a number with at most two decimals, for JSON output. */
export function centsToAmount(cents: Cents): number {
  return cents / 100;
}

/** Cents as a plain decimal string (`1234.50`), for CSV extracts. */
export function centsToDecimal(cents: Cents): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Half-up rounding to `decimals` places, for presenting ratios. */
export function roundHalfUp(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const shifted = value * f;
  // Nudge by a relative epsilon so 1.005 rounds to 1.01 as a person expects.
  return (Math.sign(shifted) * Math.round(Math.abs(shifted) * (1 + Number.EPSILON))) / f;
}
