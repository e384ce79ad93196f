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

// ---- currencies --------------------------------------------------------------------------

/** ISO 4217 currencies without minor units (an amount is whole units). */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
/** ISO 4217 currencies with three decimals (mills). */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** An ISO 4217 code as the contract takes it: three letters, any case (normalised upper-case). */
export const CURRENCY_CODE = /^[A-Za-z]{3}$/;

/** How many decimals an amount in the currency has: 0 (JPY), 3 (KWD) or 2 (every other). */
export function currencyDecimals(code: string): 0 | 2 | 3 {
  const c = code.toUpperCase();
  return ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
}

/**
 * Parses an amount with at most `decimals` decimals into minor units of its currency (`12000` JPY
 * -> 12000, `1500.125` KWD -> 1500125); null when invalid or not a safe integer.
 */
export function parseMinorUnits(value: string, decimals: 0 | 2 | 3): number | null {
  const s = value.trim();
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  const [whole, frac = ''] = s.split('.');
  if (frac.length > decimals || (s.includes('.') && decimals === 0)) return null;
  const minor = Number(whole) * 10 ** decimals + (decimals ? Number(frac.padEnd(decimals, '0')) : 0);
  return Number.isSafeInteger(minor) ? minor : null;
}

/** An amount in minor units as a decimal string with the currency's decimals (`1500125`, 3 -> `1500.125`). */
export function minorToDecimal(minor: number, decimals: 0 | 2 | 3): string {
  if (decimals === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const f = 10 ** decimals;
  return `${sign}${Math.trunc(abs / f)}.${String(abs % f).padStart(decimals, '0')}`;
}
