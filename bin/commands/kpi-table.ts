// The readable form of `pulse kpis`: the week's figures as a short report for a terminal.
import type { KpiJson } from '../../functions/domain/kpi';

export function formatKpiTable(k: KpiJson, locale = 'en-US'): string {
  const money = (v: number | null) =>
    v === null
      ? 'n/a'
      : new Intl.NumberFormat(locale, { style: 'currency', currency: k.currency, maximumFractionDigits: 0 }).format(v);
  const pct = (v: number | null, digits = 1) => (v === null ? 'n/a' : `${(v * 100).toFixed(digits)}%`);
  const num = (v: number | null, digits = 1) => (v === null ? 'n/a' : v.toFixed(digits));
  const ca = (c: { count: number; arr: number }) => `${c.count} (${money(c.arr)})`;
  const b = k.arrBridge;
  const q = k.arrBridgeQtd;
  // fx: stored snapshots from before multi-currency have none (0).
  const fx = b.fx ?? 0;
  const qfx = q.fx ?? 0;
  const lines: [string, string][] = [
    ['ARR bridge (week)', ''],
    ['  opening ARR', money(b.open)],
    ['  + new', money(b.new)],
    ['  + reactivation', money(b.reactivation)],
    ['  + expansion', money(b.expansion)],
    ['  - contraction', money(b.contraction)],
    ['  - churn', money(b.churn)],
    ...(fx !== 0 ? [['  +/- fx (exchange rates)', money(fx)] as [string, string]] : []),
    ['  closing ARR', money(b.close)],
    [
      `ARR bridge (${q.quarter} to date)`,
      `${money(q.open)} -> ${money(q.close)}  (+${money(q.new + q.reactivation + q.expansion)} / -${money(q.contraction + q.churn)}${qfx !== 0 ? ` / fx ${money(qfx)}` : ''})`,
    ],
    [
      'Customers',
      `${k.customers.open} -> ${k.customers.close}  (+${k.customers.new} new, +${k.customers.reactivated} reactivated, -${k.customers.churned} churned)`,
    ],
    [
      'Retention (TTM)',
      `NRR ${pct(k.retention.nrr)}  GRR ${pct(k.retention.grr)}  logo retention ${pct(k.retention.logoRetention)}  (cohort ${k.retention.cohortSize})`,
    ],
    [
      'Renewals upcoming',
      `30d ${ca(k.renewals.upcoming30)}  60d ${ca(k.renewals.upcoming60)}  90d ${ca(k.renewals.upcoming90)}`,
    ],
    ['Renewals overdue', ca(k.renewals.overdue)],
    ['Renewals this week', `renewed ${ca(k.renewals.renewedThisWeek)}  churned ${ca(k.renewals.churnedThisWeek)}`],
    [
      'Renewal rates (90d)',
      `gross ${pct(k.renewals.grossRenewalRate)}  net ${pct(k.renewals.netRenewalRate)}  logo ${pct(k.renewals.logoRenewalRate)}`,
    ],
    ['Expansion won this week', `${k.expansion.wonThisWeek.count} (${money(k.expansion.wonThisWeek.arr)})`],
    [
      'Expansion pipeline',
      `${k.expansion.pipeline.count} (${money(k.expansion.pipeline.arr)})  win rate 90d ${pct(k.expansion.winRate90d)}`,
    ],
    ['Utilization', pct(k.adoption.utilization)],
    ['NPS (90d)', `${num(k.voice.nps)}  (${k.voice.npsResponses} responses)`],
    ['CSAT (30d)', `${num(k.voice.csat)}  (${k.voice.csatResponses} ratings)`],
    [
      'Support this week',
      `${k.support.openedThisWeek} opened, ${k.support.p1OpenedThisWeek} P1; ${k.support.p1OpenAtAsOf} P1 open`,
    ],
    [
      'Unit economics',
      `new logos ${k.unitEconomics.newLogos12m}  CAC ${money(k.unitEconomics.cac)}  ARPA ${money(k.unitEconomics.arpa)}  LTV ${money(k.unitEconomics.ltv)}`,
    ],
    [
      '',
      `LTV:CAC ${num(k.unitEconomics.ltvToCac)}  CAC payback ${num(k.unitEconomics.cacPaybackMonths)} months  services attach ${pct(k.unitEconomics.servicesAttach)}`,
    ],
    [
      'Health',
      `green ${ca(k.health.green)}  yellow ${ca(k.health.yellow)}  red ${ca(k.health.red)}  unscored ${ca(k.health.unscored)}`,
    ],
    ['ARR at risk (red)', money(k.health.arrAtRisk)],
    // Snapshots stored before cohorts and contracted ARR existed have neither.
    ...(k.contractedArr
      ? [
          [
            'Contracted ARR',
            `+30d ${money(k.contractedArr.d30)}  +90d ${money(k.contractedArr.d90)}  +365d ${money(k.contractedArr.d365)}`,
          ] as [string, string],
        ]
      : []),
    ...cohortLines(k.cohorts ?? [], money, pct),
    ...((k.unconverted ?? []).length
      ? [
          [
            'Unconverted rows',
            `${k.unconverted.length} left out of every figure (no rate on or before their date)`,
          ] as [string, string],
        ]
      : []),
  ];
  const width = Math.max(...lines.map(([l]) => l.length));
  const title = `${k.segment ? `Segment ${k.segment}: ` : ''}week ${k.week} (${k.weekStart} .. ${k.asOf}), ${k.currency}`;
  return [title, '-'.repeat(title.length), ...lines.map(([l, v]) => (v ? `${l.padEnd(width)}  ${v}` : l))].join('\n');
}

/**
 * The cohorts, briefly: one line per month with customers, base ARR and the latest age's logo and
 * revenue retention (the full triangles are in --json and the archive's cohorts.csv).
 */
function cohortLines(
  cohorts: KpiJson['cohorts'],
  money: (v: number) => string,
  pct: (v: number | null) => string,
): [string, string][] {
  if (cohorts.length === 0) return [];
  const out: [string, string][] = [
    ['Cohorts (first paid month)', 'customers, base ARR; retention at the latest month end (logo / revenue)'],
  ];
  for (const c of cohorts) {
    const age = c.logo.length - 1;
    out.push([
      `  ${c.month}`,
      c.customers === 0
        ? 'no new customers'
        : `${c.customers} (${money(c.baseArr)})  ${age === 0 ? 'no month end yet' : `month ${age}: ${pct(c.logo[age] ?? null)} / ${pct(c.revenue[age] ?? null)}`}`,
    ]);
  }
  return out;
}
