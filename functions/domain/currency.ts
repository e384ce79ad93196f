// ISO 4217 minor units: how many decimals a currency's amounts have. Billing systems send
// integers in the minor unit (cents; whole yen; thousandths of a dinar), and the contract writes
// money with exactly these decimals.

/** Currencies without a minor unit: an amount of 1200 JPY is sent as 1200. */
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set([
  'BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF',
]);

/** Currencies with 1,000 minor units: 1.500 KWD is sent as 1500. */
export const THREE_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** Decimals of a currency (case-insensitive code): 0, 3 or 2. */
export function currencyDecimals(code: string): 0 | 2 | 3 {
  const c = code.toUpperCase();
  if (ZERO_DECIMAL_CURRENCIES.has(c)) return 0;
  if (THREE_DECIMAL_CURRENCIES.has(c)) return 3;
  return 2;
}

/** An integer amount in minor units as a decimal string with the currency's decimals (`1500` KWD -> `1.500`). */
export function minorToDecimal(minor: number | bigint, code: string): string {
  const decimals = currencyDecimals(code);
  const n = BigInt(minor);
  const sign = n < 0n ? '-' : '';
  const abs = n < 0n ? -n : n;
  if (decimals === 0) return `${sign}${abs}`;
  const scale = 10n ** BigInt(decimals);
  return `${sign}${abs / scale}.${String(abs % scale).padStart(decimals, '0')}`;
}
