// A second, deliberately naive implementation of the metric definitions (docs/metrics.md): day by
// day, account by account, no indexes. Slow and obviously-correct, for checking the engine.
// Multi-currency too: every row converted at its own date's rate (found by scanning every rate),
// the fx movement from per-currency sums on every day, in exact fractions (BigInt).
import type { Dataset } from '../../../functions/domain/contract/validate';
import { addDays, addMonths, minus12Months } from '../../../functions/domain/dates';

// ---- multi-currency, naively ------------------------------------------------------------------

const ZERO_DECIMALS = 'BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF'.split(' ');
const THREE_DECIMALS = 'BHD JOD KWD OMR TND'.split(' ');
const decimalsOf = (k: string) => (ZERO_DECIMALS.includes(k) ? 0 : THREE_DECIMALS.includes(k) ? 3 : 2);

/** The rate of k on d: the fx_rates row with the latest date <= d (the later row of a repeated date). */
function rateOf(data: Dataset, k: string, d: string): string | undefined {
  let best: { date: string; rate: string } | undefined;
  for (const r of data.fx_rates) if (r.currency === k && r.date <= d && (!best || r.date >= best.date)) best = r;
  return best?.rate;
}

/** minor units of k x rate, in cents, half-up. */
function convert(minor: number, k: string, rate: string): number {
  const [w, f = ''] = rate.split('.');
  const num = BigInt(minor) * BigInt(w + f) * 100n;
  const den = 10n ** BigInt(decimalsOf(k) + f.length);
  return Number(num / den + (2n * (num % den) >= den ? 1n : 0n));
}

type Frac = [bigint, bigint];
const fadd = (a: Frac, b: Frac): Frac => [a[0] * b[1] + b[0] * a[1], a[1] * b[1]];
const fsub = (a: Frac, b: Frac): Frac => fadd(a, [-b[0], b[1]]);
const fsign = (a: Frac) => (a[0] === 0n ? 0 : a[0] > 0n === a[1] > 0n ? 1 : -1);
const fint = (n: number): Frac => [BigInt(n), 1n];
function fround(a: Frac): number {
  let [n, d] = a;
  if (d < 0n) [n, d] = [-n, -d];
  const neg = n < 0n;
  if (neg) n = -n;
  const q = n / d + (2n * (n % d) >= d ? 1n : 0n);
  return Number(neg ? -q : q);
}

interface RefLine {
  accountId: string;
  kind: string;
  startDate: string;
  endDate?: string;
  /** Converted cents. */
  arr: number;
  /** '' = the reporting currency. */
  cur: string;
  /** Original minor units. */
  orig: number;
}

/** The dataset with every row in reporting cents, the lines with their original currency, and the rows left out. */
function convertAll(data: Dataset) {
  const unconverted: { entity: string; id: string; accountId: string; currency: string }[] = [];
  const lines: RefLine[] = [];
  for (const l of data.subscriptions) {
    const k = l.currency;
    const rate = k === undefined ? '1' : rateOf(data, k, l.startDate);
    if (rate === undefined) {
      unconverted.push({ entity: 'subscriptions', id: l.lineId, accountId: l.accountId, currency: k! });
      continue;
    }
    lines.push({
      accountId: l.accountId,
      kind: l.kind,
      startDate: l.startDate,
      ...(l.endDate ? { endDate: l.endDate } : {}),
      arr: k === undefined ? l.arr : convert(l.arr, k, rate),
      cur: k ?? '',
      orig: l.arr,
    });
  }
  const renewals: Dataset['renewals'] = [];
  for (const r of data.renewals) {
    const k = r.currency;
    const rate = k === undefined ? undefined : rateOf(data, k, r.dueDate);
    if (k !== undefined && rate === undefined) {
      unconverted.push({ entity: 'renewals', id: r.renewalId, accountId: r.accountId, currency: k });
      continue;
    }
    const c = (x: number) => (k === undefined ? x : convert(x, k, rate!));
    renewals.push({ ...r, arrUp: c(r.arrUp), ...(r.renewedArr === undefined ? {} : { renewedArr: c(r.renewedArr) }) });
  }
  const expansions: Dataset['expansions'] = [];
  for (const e of data.expansions) {
    const k = e.currency;
    const d = e.createdDate ?? e.closeDate;
    const rate = k === undefined || d === undefined ? undefined : rateOf(data, k, d);
    if (k !== undefined && rate === undefined) {
      unconverted.push({ entity: 'expansions', id: e.opportunityId, accountId: e.accountId, currency: k });
      continue;
    }
    expansions.push({ ...e, arr: k === undefined ? e.arr : convert(e.arr, k, rate!) });
  }
  const order = ['subscriptions', 'renewals', 'expansions'];
  unconverted.sort((a, b) => order.indexOf(a.entity) - order.indexOf(b.entity));
  return { lines, renewals, expansions, unconverted };
}

/**
 * Cohorts by first paid month and contracted ARR, naively: ARR(a, d) by scanning every converted
 * line, the first paid day by walking the days from the account's first line, month ends by
 * calendar arithmetic on month firsts.
 */
export function referenceCohorts(input: Dataset, asOf: string) {
  const { lines } = convertAll(input);
  const accounts = [
    ...new Set([...input.accounts.map((a) => a.accountId), ...input.subscriptions.map((l) => l.accountId)]),
  ];
  const recurring = lines.filter((l) => l.kind === 'recurring' && l.arr > 0);
  const arr = (a: string, d: string) =>
    recurring
      .filter((l) => l.accountId === a && l.startDate <= d && (l.endDate === undefined || d < l.endDate))
      .reduce((x, l) => x + l.arr, 0);
  const firstPaid = (a: string): string | undefined => {
    const starts = recurring
      .filter((l) => l.accountId === a)
      .map((l) => l.startDate)
      .sort();
    if (!starts.length) return undefined;
    for (let d = starts[0]!; d <= starts.at(-1)!; d = addDays(d, 1)) if (arr(a, d) > 0) return d;
    return undefined;
  };
  const lastDay = (month: string, k: number) => addDays(addMonths(`${month}-01`, k + 1), -1);
  const first = new Map(accounts.map((a) => [a, firstPaid(a)]));
  const cohorts = Array.from({ length: 12 }, (_, i) => addMonths(`${asOf.slice(0, 7)}-01`, i - 12).slice(0, 7)).map(
    (month) => {
      const members = accounts.filter((a) => first.get(a)?.slice(0, 7) === month);
      if (members.length === 0)
        return { month, customers: 0, baseArr: 0, logo: [] as number[], revenue: [] as number[] };
      const base = members.reduce((x, a) => x + arr(a, first.get(a)!), 0);
      const logo = [1];
      const revenue = [1];
      for (let k = 1; lastDay(month, k) <= asOf; k++) {
        const d = lastDay(month, k);
        logo.push(members.filter((a) => arr(a, d) > 0).length / members.length);
        revenue.push(members.reduce((x, a) => x + arr(a, d), 0) / base);
      }
      return { month, customers: members.length, baseArr: base, logo, revenue };
    },
  );
  const total = (n: number) => accounts.reduce((x, a) => x + arr(a, addDays(asOf, n)), 0);
  return { cohorts, contractedArr: { d30: total(30), d90: total(90), d365: total(365) } };
}

type Settings = {
  grossMargin: number;
  ltvMaxYears: number;
  weights: { utilization: number; usageTrend: number; support: number; nps: number };
};

const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
const between = (d: string | undefined, from: string, to: string) => d !== undefined && d >= from && d <= to;

export function referenceKpis(input: Dataset, asOf: string, s: Settings) {
  const converted = convertAll(input);
  const data: Dataset = { ...input, subscriptions: [], renewals: converted.renewals, expansions: converted.expansions };
  const weekStart = addDays(asOf, -6);
  const allLines = converted.lines;
  const accounts = [
    ...new Set([...data.accounts.map((a) => a.accountId), ...input.subscriptions.map((l) => l.accountId)]),
  ];
  const recurring = allLines.filter((l) => l.kind === 'recurring');
  // A line converted to 0 cents counts nowhere, not even in o_k (as a line with arr 0: docs/metrics.md).
  const active = (a: string, d: string) =>
    recurring.filter(
      (l) => l.arr > 0 && l.accountId === a && l.startDate <= d && (l.endDate === undefined || d < l.endDate),
    );
  const arr = (a: string, d: string) => active(a, d).reduce((x, l) => x + l.arr, 0);
  const totalArr = (d: string) => accounts.reduce((x, a) => x + arr(a, d), 0);
  const customersAt = (d: string) => accounts.filter((a) => arr(a, d) > 0);

  // ARR bridge over the week: classify (o', c), fx = o' - o
  const bridge = {
    open: totalArr(addDays(weekStart, -1)),
    new: 0,
    reactivation: 0,
    expansion: 0,
    contraction: 0,
    churn: 0,
    fx: 0,
    close: totalArr(asOf),
  };
  let expansion: Frac = fint(0);
  let contraction: Frac = fint(0);
  let fx: Frac = fint(0);
  const counts = { new: 0, reactivated: 0, churned: 0 };
  for (let d = weekStart; d <= asOf; d = addDays(d, 1)) {
    const prev = addDays(d, -1);
    for (const a of accounts) {
      const before = active(a, prev);
      const after = active(a, d);
      const o = before.reduce((x, l) => x + l.arr, 0);
      const c = after.reduce((x, l) => x + l.arr, 0);
      // o' = sum over k of o_k x rho_k
      let adjusted: Frac = fint(0);
      for (const k of new Set(before.map((l) => l.cur))) {
        const sum = (ls: RefLine[], f: (l: RefLine) => number) =>
          ls.filter((l) => l.cur === k).reduce((x, l) => x + f(l), 0);
        const ok = sum(before, (l) => l.orig);
        const ck = sum(after, (l) => l.orig);
        if (ok === 0) continue; // o_k x rho_k = 0 whatever rho_k is
        const rho: Frac =
          k === ''
            ? fint(1)
            : ck > 0
              ? [BigInt(sum(after, (l) => l.arr)), BigInt(ck)]
              : [BigInt(sum(before, (l) => l.arr)), BigInt(ok)];
        adjusted = fadd(adjusted, [BigInt(ok) * rho[0], rho[1]]);
      }
      fx = fadd(fx, fsub(adjusted, fint(o)));
      const op = fsign(adjusted);
      if (op === 0 && c > 0) {
        const paid = recurring.some((l) => l.accountId === a && l.arr > 0 && l.startDate <= prev);
        if (paid) (bridge.reactivation += c), counts.reactivated++;
        else (bridge.new += c), counts.new++;
      } else if (op > 0 && c === 0) (bridge.churn += fround(adjusted)), counts.churned++;
      else if (op > 0 && fsign(fsub(fint(c), adjusted)) > 0) expansion = fadd(expansion, fsub(fint(c), adjusted));
      else if (c > 0 && fsign(fsub(adjusted, fint(c))) > 0) contraction = fadd(contraction, fsub(adjusted, fint(c)));
    }
  }
  bridge.expansion = fround(expansion);
  bridge.contraction = fround(contraction);
  // The exact fx, rounded alone (the engine prints fx as the bridge's rest: within a cent of this).
  bridge.fx = fround(fx);

  // retention
  const b = minus12Months(asOf);
  const cohort = accounts.filter((a) => arr(a, b) > 0);
  const base = cohort.reduce((x, a) => x + arr(a, b), 0);
  const logoRetention = ratio(cohort.filter((a) => arr(a, asOf) > 0).length, cohort.length);

  // renewals
  const openAt = (r: Dataset['renewals'][number]) =>
    r.status === 'open' || (r.closedDate !== undefined && r.closedDate > asOf);
  const upcoming = (n: number) => {
    const set = data.renewals.filter((r) => openAt(r) && r.dueDate > asOf && r.dueDate <= addDays(asOf, n));
    return { count: set.length, arr: set.reduce((x, r) => x + r.arrUp, 0) };
  };
  const overdueSet = data.renewals.filter((r) => openAt(r) && r.dueDate <= asOf);
  const renewedWeek = data.renewals.filter((r) => r.status === 'renewed' && between(r.closedDate, weekStart, asOf));
  const churnedWeek = data.renewals.filter((r) => r.status === 'churned' && between(r.closedDate, weekStart, asOf));
  const T = data.renewals.filter((r) => between(r.dueDate, addDays(asOf, -89), asOf));
  const R = T.filter((r) => r.status === 'renewed' && r.closedDate! <= asOf);
  const tArr = T.reduce((x, r) => x + r.arrUp, 0);

  // expansion
  const sumExp = (set: Dataset['expansions']) => ({
    count: set.length,
    arr: set.reduce((x, e) => x + e.arr, 0),
    upsell: set.filter((e) => e.type === 'upsell').reduce((x, e) => x + e.arr, 0),
    crossSell: set.filter((e) => e.type === 'cross_sell').reduce((x, e) => x + e.arr, 0),
  });
  const won = data.expansions.filter((e) => e.stage === 'won' && between(e.closeDate, weekStart, asOf));
  const pipeline = data.expansions.filter(
    (e) =>
      (e.createdDate === undefined || e.createdDate <= asOf) &&
      (e.stage === 'open' || (e.closeDate !== undefined && e.closeDate > asOf)),
  );
  const closed90 = data.expansions.filter((e) => e.stage !== 'open' && between(e.closeDate, addDays(asOf, -89), asOf));

  // adoption
  const customers = customersAt(asOf);
  const usageRow = (a: string, week: string) => data.usage.find((u) => u.accountId === a && u.week === week);
  let wau = 0;
  let seats = 0;
  for (const a of customers) {
    const u = usageRow(a, weekStart);
    if (u && u.licensedSeats > 0) (wau += u.weeklyActiveUsers), (seats += u.licensedSeats);
  }
  const meanWau = (a: string, weeks: string[]) => {
    const rows = weeks.map((w) => usageRow(a, w)).filter((u) => u !== undefined);
    return rows.length ? rows.reduce((x, u) => x + u.weeklyActiveUsers, 0) / rows.length : null;
  };
  const usageTrend = (a: string) => {
    const recent = meanWau(
      a,
      [0, 1, 2, 3].map((i) => addDays(weekStart, -7 * i)),
    );
    const earlier = meanWau(
      a,
      [4, 5, 6, 7].map((i) => addDays(weekStart, -7 * i)),
    );
    return recent === null || earlier === null || earlier === 0 ? null : recent / earlier - 1;
  };

  // voice and support
  const responses = data.nps.filter((n) => between(n.date, addDays(asOf, -89), asOf));
  const promoters = responses.filter((n) => n.score >= 9).length;
  const detractors = responses.filter((n) => n.score <= 6).length;
  const rated = data.tickets.filter((t) => t.csat !== undefined && between(t.closedDate, addDays(asOf, -29), asOf));

  // unit economics
  const monthStart = `${asOf.slice(0, 7)}-01`;
  const wFrom = addMonths(monthStart, -12);
  const wTo = addDays(monthStart, -1);
  const months = Array.from({ length: 12 }, (_, i) => addMonths(wFrom, i).slice(0, 7));
  const spendRows = months.map((m) => data.spend.find((r) => r.month === m));
  const spend = spendRows.every((r) => r) ? spendRows.reduce((x, r) => x + r!.salesMarketing, 0) : null;
  const earliest = (a: string) =>
    recurring
      .filter((l) => l.accountId === a)
      .reduce<string | undefined>((m, l) => (m === undefined || l.startDate < m ? l.startDate : m), undefined);
  const newLogos = accounts.filter((a) => between(earliest(a), wFrom, wTo));
  const newLogoArr = newLogos.reduce((x, a) => x + arr(a, earliest(a)!), 0);
  const withServices = newLogos.filter((a) =>
    allLines.some((l) => l.accountId === a && l.kind === 'services' && between(l.startDate, wFrom, wTo)),
  );
  const cac = spend === null ? null : ratio(spend, newLogos.length);
  const arpa = ratio(totalArr(asOf), customers.length);
  const logoChurn = logoRetention === null ? null : 1 - logoRetention;
  const lifetime = logoChurn === null ? null : logoChurn === 0 ? s.ltvMaxYears : Math.min(1 / logoChurn, s.ltvMaxYears);
  const ltv = arpa === null || lifetime === null ? null : arpa * s.grossMargin * lifetime;

  // health
  const health = customers.map((a) => {
    const parts: { w: number; score: number }[] = [];
    const u = usageRow(a, weekStart);
    const util = u && u.licensedSeats > 0 ? u.weeklyActiveUsers / u.licensedSeats : null;
    if (util !== null) parts.push({ w: s.weights.utilization, score: Math.min(util / 0.8, 1) * 100 });
    const trend = usageTrend(a);
    if (trend !== null) parts.push({ w: s.weights.usageTrend, score: Math.max(0, Math.min(100, 50 + 100 * trend)) });
    if (data.tickets.some((t) => t.accountId === a && t.openedDate <= asOf)) {
      const p1 = data.tickets.filter(
        (t) => t.accountId === a && t.priority === 'p1' && between(t.openedDate, addDays(asOf, -29), asOf),
      ).length;
      parts.push({ w: s.weights.support, score: p1 === 0 ? 100 : p1 === 1 ? 50 : 0 });
    }
    const latest = data.nps
      .filter((n) => n.accountId === a && between(n.date, addDays(asOf, -179), asOf))
      .sort((x, y) => (x.date === y.date ? (x.responseId < y.responseId ? -1 : 1) : x.date < y.date ? -1 : 1))
      .at(-1);
    if (latest) parts.push({ w: s.weights.nps, score: latest.score >= 9 ? 100 : latest.score >= 7 ? 60 : 0 });
    const wsum = parts.reduce((x, p) => x + p.w, 0);
    const raw = parts.length && wsum > 0 ? parts.reduce((x, p) => x + p.w * p.score, 0) / wsum : null;
    const score = raw === null ? null : Math.round(raw * 100 + 1e-9) / 100;
    const band = score === null ? null : score >= 70 ? 'green' : score >= 40 ? 'yellow' : 'red';
    return { accountId: a, arr: arr(a, asOf), health: score, band, usageTrend: trend, utilization: util };
  });
  const bucket = (band: string | null) => {
    const set = health.filter((h) => h.band === band);
    return { count: set.length, arr: set.reduce((x, h) => x + h.arr, 0) };
  };

  return {
    asOf,
    weekStart,
    arrBridge: bridge,
    customers: { open: customersAt(addDays(weekStart, -1)).length, close: customers.length, ...counts },
    retention: {
      nrr: ratio(
        cohort.reduce((x, a) => x + arr(a, asOf), 0),
        base,
      ),
      grr: ratio(
        cohort.reduce((x, a) => x + Math.min(arr(a, asOf), arr(a, b)), 0),
        base,
      ),
      logoRetention,
      logoChurn,
      cohortSize: cohort.length,
    },
    renewals: {
      upcoming30: upcoming(30),
      upcoming60: upcoming(60),
      upcoming90: upcoming(90),
      overdue: { count: overdueSet.length, arr: overdueSet.reduce((x, r) => x + r.arrUp, 0) },
      renewedThisWeek: { count: renewedWeek.length, arr: renewedWeek.reduce((x, r) => x + r.renewedArr!, 0) },
      churnedThisWeek: { count: churnedWeek.length, arr: churnedWeek.reduce((x, r) => x + r.arrUp, 0) },
      grossRenewalRate: ratio(
        R.reduce((x, r) => x + Math.min(r.renewedArr!, r.arrUp), 0),
        tArr,
      ),
      netRenewalRate: ratio(
        R.reduce((x, r) => x + r.renewedArr!, 0),
        tArr,
      ),
      logoRenewalRate: ratio(R.length, T.length),
    },
    expansion: {
      wonThisWeek: sumExp(won),
      pipeline: sumExp(pipeline),
      winRate90d: ratio(closed90.filter((e) => e.stage === 'won').length, closed90.length),
    },
    adoption: { utilization: ratio(wau, seats) },
    voice: {
      nps: responses.length ? (100 * (promoters - detractors)) / responses.length : null,
      npsResponses: responses.length,
      csat: rated.length ? (100 * rated.filter((t) => t.csat! >= 4).length) / rated.length : null,
      csatResponses: rated.length,
    },
    support: {
      openedThisWeek: data.tickets.filter((t) => between(t.openedDate, weekStart, asOf)).length,
      p1OpenedThisWeek: data.tickets.filter((t) => t.priority === 'p1' && between(t.openedDate, weekStart, asOf))
        .length,
      p1OpenAtAsOf: data.tickets.filter(
        (t) => t.priority === 'p1' && t.openedDate <= asOf && (t.closedDate === undefined || t.closedDate > asOf),
      ).length,
    },
    unitEconomics: {
      newLogos12m: newLogos.length,
      cac,
      arpa,
      ltv,
      ltvToCac: ltv === null || cac === null || cac === 0 ? null : ltv / cac,
      cacPaybackMonths: spend === null ? null : ratio(12 * spend, newLogoArr * s.grossMargin),
      servicesAttach: ratio(withServices.length, newLogos.length),
    },
    health: {
      green: bucket('green'),
      yellow: bucket('yellow'),
      red: bucket('red'),
      unscored: bucket(null),
      arrAtRisk: bucket('red').arr,
    },
    accounts: health.sort((x, y) => (x.accountId < y.accountId ? -1 : 1)),
    ...referenceCohorts(input, asOf),
    unconverted: converted.unconverted,
  };
}
