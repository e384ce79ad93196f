// Exact fractions of a cent. Converted money is whole cents, but the bridge's fx movement values
// yesterday's contracts at today's rates (o_k x rho_k, a ratio of two cent amounts), which is a
// fraction in general. Sums of such fractions are kept exact here and rounded once, at output.

/** p / q with q > 0, in lowest terms. */
export interface Ratio {
  num: bigint;
  den: bigint;
}

export const ZERO: Ratio = { num: 0n, den: 1n };

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function ratio(num: bigint, den: bigint = 1n): Ratio {
  if (den === 0n) throw new RangeError('ratio: zero denominator');
  if (den < 0n) [num, den] = [-num, -den];
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

export function add(a: Ratio, b: Ratio): Ratio {
  if (a.den === b.den) return ratio(a.num + b.num, a.den);
  return ratio(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Ratio, b: Ratio): Ratio {
  return add(a, { num: -b.num, den: b.den });
}

export function fromInt(n: number): Ratio {
  return { num: BigInt(n), den: 1n };
}

/** -1, 0 or 1 as a compares to b. */
export function compare(a: Ratio, b: Ratio): number {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Rounded half-up (halves away from zero, as money is rounded everywhere in Pulse) to an integer. */
export function roundHalfUp(r: Ratio): number {
  const neg = r.num < 0n;
  const n = neg ? -r.num : r.num;
  let q = n / r.den;
  if (2n * (n % r.den) >= r.den) q += 1n;
  return Number(neg ? -q : q);
}

/**
 * A running sum of integers and fractions: integers are added as plain numbers (exact below 2^53,
 * and the usual case), fractions in BigInt, so a one-currency bridge never touches BigInt.
 */
export class ExactSum {
  private whole = 0;
  private frac: Ratio = ZERO;

  addInt(n: number): void {
    this.whole += n;
  }

  addRatio(r: Ratio): void {
    if (r.den === 1n) this.whole += Number(r.num);
    else this.frac = add(this.frac, r);
  }

  get value(): Ratio {
    return add(fromInt(this.whole), this.frac);
  }
}
