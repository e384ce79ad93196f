// The ECB's euro foreign exchange reference rates (published each working day around 16:00 CET):
// `1 EUR = x units of a currency`, in its CSV files (eurofxref.csv, eurofxref-hist.csv) or XML files
// (eurofxref-daily.xml, -90d.xml, -hist.xml). Pure: text in, contract `fx_rates` rows out, as units
// of the reporting currency per unit of each currency (cross rates through the euro).
import { XMLParser } from 'fast-xml-parser';

/** One day of the ECB's table: currency -> units per 1 EUR (decimal text as published). */
export interface EcbDay {
  date: string;
  perEuro: Map<string, string>;
}

export class EcbFormatError extends Error {
  override readonly name = 'EcbFormatError';
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const RATE = /^\d+(\.\d+)?$/;

/** Either format, told apart by the first non-blank character. */
export function parseEcbRates(text: string): EcbDay[] {
  return text.trimStart().startsWith('<') ? parseEcbXml(text) : parseEcbCsv(text);
}

/** `Date,USD,JPY,...` then one row a day; the daily file writes dates as `04 December 2026`; `N/A` = not quoted that day. */
export function parseEcbCsv(text: string): EcbDay[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',').map((c) => c.trim());
  if (header?.[0]?.toLowerCase() !== 'date')
    throw new EcbFormatError('not an ECB reference-rate CSV: the first column must be "Date"');
  const days: EcbDay[] = [];
  for (const [i, line] of lines.slice(1).entries()) {
    const cells = line.split(',').map((c) => c.trim());
    const date = ecbDate(cells[0] ?? '');
    if (!date) throw new EcbFormatError(`line ${i + 2}: "${cells[0]}" is not a date`);
    const perEuro = new Map<string, string>();
    header.forEach((currency, c) => {
      const v = cells[c];
      if (c === 0 || !currency || !v || !RATE.test(v)) return;
      perEuro.set(currency.toUpperCase(), v);
    });
    days.push({ date, perEuro });
  }
  return days;
}

/** `<Cube time="2026-12-04"><Cube currency="USD" rate="1.0543"/>...</Cube>` inside the envelope. */
export function parseEcbXml(text: string): EcbDay[] {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    isArray: (name) => name === 'Cube',
  }).parse(text) as Record<string, unknown>;
  const envelope = doc.Envelope as
    | { Cube?: { Cube?: { time?: string; Cube?: { currency?: string; rate?: string }[] }[] }[] }
    | undefined;
  const dayCubes = envelope?.Cube?.[0]?.Cube;
  if (!dayCubes) throw new EcbFormatError('not an ECB reference-rate XML file: no gesmes:Envelope/Cube/Cube[@time]');
  return dayCubes.map((d) => {
    const date = ecbDate(String(d.time ?? ''));
    if (!date) throw new EcbFormatError(`Cube time="${d.time}" is not a date`);
    const perEuro = new Map<string, string>();
    for (const c of d.Cube ?? [])
      if (c.currency && c.rate !== undefined && RATE.test(String(c.rate)))
        perEuro.set(c.currency.toUpperCase(), String(c.rate));
    return { date, perEuro };
  });
}

function ecbDate(s: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  const m = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(s);
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) + 1 : 0;
  return m && month ? `${m[3]}-${String(month).padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : undefined;
}

/** Decimals of the cross rates Pulse derives (the ECB publishes 4 to 6 significant figures). */
export const CROSS_RATE_DECIMALS = 10;

/**
 * The `fx_rates` rows of each day: for every currency k quoted (and the euro itself), units of the
 * reporting currency per 1 k = (reporting per EUR) / (k per EUR), half-up to 10 decimals. A day
 * that does not quote the reporting currency yields nothing (no cross rate without it).
 */
export function ecbToFxRates(
  days: readonly EcbDay[],
  reporting: string,
): { date: string; currency: string; rate: string }[] {
  const target = reporting.toUpperCase();
  const rows: { date: string; currency: string; rate: string }[] = [];
  for (const day of days) {
    const perEuro = new Map(day.perEuro);
    perEuro.set('EUR', '1');
    const reportingPerEuro = perEuro.get(target);
    if (!reportingPerEuro) continue;
    for (const [currency, kPerEuro] of perEuro) {
      if (currency === target) continue;
      rows.push({ date: day.date, currency, rate: divide(reportingPerEuro, kPerEuro, CROSS_RATE_DECIMALS) });
    }
  }
  return rows;
}

/** a / b for positive decimal strings, half-up to `decimals` places, exactly. */
export function divide(a: string, b: string, decimals: number): string {
  const [an, as] = scaled(a);
  const [bn, bs] = scaled(b);
  if (bn === 0n) throw new EcbFormatError(`a rate of ${b} cannot be divided by`);
  // a/b = (an / 10^as) / (bn / 10^bs); times 10^decimals, rounded half-up.
  const num = an * 10n ** BigInt(bs + decimals);
  const den = bn * 10n ** BigInt(as);
  const q = (2n * num + den) / (2n * den);
  const digits = q.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, -decimals);
  const frac = digits.slice(-decimals).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

function scaled(s: string): [bigint, number] {
  const [w, f = ''] = s.split('.');
  return [BigInt(`${w}${f}`), f.length];
}
