// A second, deliberately naive implementation of the metric definitions (docs/metrics.md): day by
// day, account by account, no indexes. Slow and obviously-correct, for checking the engine.
import type { Dataset } from '../../../functions/domain/contract/validate';
import { addDays, addMonths, minus12Months } from '../../../functions/domain/dates';

type Settings = { grossMargin: number; ltvMaxYears: number; weights: { utilization: number; usageTrend: number; support: number; nps: number } };

const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
const between = (d: string | undefined, from: string, to: string) => d !== undefined && d >= from && d <= to;

export function referenceKpis(data: Dataset, asOf: string, s: Settings) {
  const weekStart = addDays(asOf, -6);
  const accounts = [...new Set([...data.accounts.map((a) => a.accountId), ...data.subscriptions.map((l) => l.accountId)])];
  const recurring = data.subscriptions.filter((l) => l.kind === 'recurring');
  const arr = (a: string, d: string) =>
    recurring.filter((l) => l.accountId === a && l.startDate <= d && (l.endDate === undefined || d < l.endDate)).reduce((x, l) => x + l.arr, 0);
  const totalArr = (d: string) => accounts.reduce((x, a) => x + arr(a, d), 0);
  const customersAt = (d: string) => accounts.filter((a) => arr(a, d) > 0);

  // ARR bridge over the week
  const bridge = { open: totalArr(addDays(weekStart, -1)), new: 0, reactivation: 0, expansion: 0, contraction: 0, churn: 0, close: totalArr(asOf) };
  const counts = { new: 0, reactivated: 0, churned: 0 };
  for (let d = weekStart; d <= asOf; d = addDays(d, 1)) {
    const prev = addDays(d, -1);
    for (const a of accounts) {
      const o = arr(a, prev);
      const c = arr(a, d);
      if (o === 0 && c > 0) {
        const before = recurring.some((l) => l.accountId === a && l.arr > 0 && l.startDate <= prev);
        if (before) (bridge.reactivation += c), counts.reactivated++;
        else (bridge.new += c), counts.new++;
      } else if (o > 0 && c === 0) (bridge.churn += o), counts.churned++;
      else if (c > o && o > 0) bridge.expansion += c - o;
      else if (c < o && c > 0) bridge.contraction += o - c;
    }
  }

  // retention
  const b = minus12Months(asOf);
  const cohort = accounts.filter((a) => arr(a, b) > 0);
  const base = cohort.reduce((x, a) => x + arr(a, b), 0);
  const logoRetention = ratio(cohort.filter((a) => arr(a, asOf) > 0).length, cohort.length);

  // renewals
  const openAt = (r: Dataset['renewals'][number]) => r.status === 'open' || (r.closedDate !== undefined && r.closedDate > asOf);
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
    (e) => (e.createdDate === undefined || e.createdDate <= asOf) && (e.stage === 'open' || (e.closeDate !== undefined && e.closeDate > asOf)),
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
    const recent = meanWau(a, [0, 1, 2, 3].map((i) => addDays(weekStart, -7 * i)));
    const earlier = meanWau(a, [4, 5, 6, 7].map((i) => addDays(weekStart, -7 * i)));
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
    recurring.filter((l) => l.accountId === a).reduce<string | undefined>((m, l) => (m === undefined || l.startDate < m ? l.startDate : m), undefined);
  const newLogos = accounts.filter((a) => between(earliest(a), wFrom, wTo));
  const newLogoArr = newLogos.reduce((x, a) => x + arr(a, earliest(a)!), 0);
  const withServices = newLogos.filter((a) => data.subscriptions.some((l) => l.accountId === a && l.kind === 'services' && between(l.startDate, wFrom, wTo)));
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
      const p1 = data.tickets.filter((t) => t.accountId === a && t.priority === 'p1' && between(t.openedDate, addDays(asOf, -29), asOf)).length;
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
      nrr: ratio(cohort.reduce((x, a) => x + arr(a, asOf), 0), base),
      grr: ratio(cohort.reduce((x, a) => x + Math.min(arr(a, asOf), arr(a, b)), 0), base),
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
      grossRenewalRate: ratio(R.reduce((x, r) => x + Math.min(r.renewedArr!, r.arrUp), 0), tArr),
      netRenewalRate: ratio(R.reduce((x, r) => x + r.renewedArr!, 0), tArr),
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
      p1OpenedThisWeek: data.tickets.filter((t) => t.priority === 'p1' && between(t.openedDate, weekStart, asOf)).length,
      p1OpenAtAsOf: data.tickets.filter((t) => t.priority === 'p1' && t.openedDate <= asOf && (t.closedDate === undefined || t.closedDate > asOf)).length,
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
  };
}
