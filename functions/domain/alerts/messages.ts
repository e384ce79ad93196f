// What the alert emails say, as plain view models (pre-formatted strings): every alert names its
// signals with values and thresholds, the renewal at stake, the owner and the suggested play. The
// templates (templates/risk-alert*.hbs) only lay these out; routing decides who gets which.
import { addDays, type IsoDate } from '../dates';
import type { AlertState, Notice, NoticeKind } from './lifecycle';
import type { Explanation, Severity, Signal } from './types';

export interface Formatter {
  money(cents: number): string;
  percent(fraction: number): string;
  number(n: number): string;
}

export function makeFormatter(locale: string, currency: string): Formatter {
  const money = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    maximumFractionDigits: 0,
    minimumFractionDigits: 0,
  });
  const pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0, signDisplay: 'auto' });
  const num = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  return {
    money: (c) => money.format(Math.round(c / 100)),
    percent: (f) => pct.format(f),
    number: (n) => num.format(n),
  };
}

const OP_WORDS: Record<NonNullable<Signal['op']>, string> = {
  '<': 'below',
  '<=': 'at most',
  '>=': 'at least',
  '>': 'above',
};

export function formatValue(value: number, unit: Signal['unit'], f: Formatter): string {
  switch (unit) {
    case 'percent':
      return f.percent(value);
    case 'money':
      return f.money(value);
    case 'days':
      return `${f.number(value)} day${value === 1 ? '' : 's'}`;
    case 'nps':
      return `${f.number(value)}/10`;
    default:
      return f.number(value);
  }
}

export interface SignalView {
  label: string;
  value: string;
  /** e.g. "below 40"; empty for context signals. */
  threshold: string;
}

export function signalViews(signals: readonly Signal[], f: Formatter): SignalView[] {
  return signals.map((s) => ({
    label: s.label,
    value: formatValue(s.value, s.unit, f),
    threshold:
      s.op !== undefined && s.threshold !== undefined ? `${OP_WORDS[s.op]} ${formatValue(s.threshold, s.unit, f)}` : '',
  }));
}

/** "renewal of $84,000 due in 21 days" / "overdue by 12 days" / "due today". */
export function renewalPhrase(e: Explanation, f: Formatter): string {
  const r = e.renewal;
  if (!r) return '';
  const when =
    r.daysToDue > 0
      ? `due in ${r.daysToDue} day${r.daysToDue === 1 ? '' : 's'}`
      : r.daysToDue === 0
        ? 'due today'
        : `overdue by ${-r.daysToDue} day${r.daysToDue === -1 ? '' : 's'}`;
  return `renewal of ${f.money(r.arrUp)} ${when}`;
}

/**
 * One sentence: the compared signals with their thresholds, the context in parentheses, then the
 * renewal: "health 34 (below 40); usage trend over 4 weeks -42%, P1 tickets in 30 days 2; renewal of $84,000 due in 21 days".
 */
export function explain(e: Explanation, f: Formatter): string {
  const shown = e.signals.filter((s) => s.name !== 'renewalDueInDays' && s.name !== 'daysOverdue');
  const compared = shown.filter((s) => s.op !== undefined);
  const context = shown.filter((s) => s.op === undefined);
  let text = compared
    .map(
      (s) =>
        `${s.label} ${formatValue(s.value, s.unit, f)} (${OP_WORDS[s.op!]} ${formatValue(s.threshold!, s.unit, f)})`,
    )
    .join(', ');
  if (context.length)
    text += `${text ? '; ' : ''}${context.map((s) => `${s.label} ${formatValue(s.value, s.unit, f)}`).join(', ')}`;
  const renewal = renewalPhrase(e, f);
  if (renewal) text += `${text ? '; ' : ''}${renewal}`;
  return text || (e.reason ?? '');
}

export interface AlertView {
  id: string;
  severity: Severity;
  /** "CRITICAL" / "warning" */
  severityLabel: string;
  critical: boolean;
  rule: string;
  ruleTitle: string;
  accountId: string;
  accountName: string;
  owner: string;
  arr: string;
  /** ARR in cents, for sorting. */
  arrCents: number;
  why: string;
  signals: SignalView[];
  renewal: string;
  play: string;
  openedOn: string;
  /** "snoozed until 2026-12-01 by x: reason", or "". */
  snoozed: string;
  /** For resolved notices: why. */
  resolution: string;
  /** The signed snooze and acknowledge links for this message's recipient (functions/app/alert-action-links.ts). */
  snoozeUrl?: string;
  acknowledgeUrl?: string;
  snoozeDays?: number;
}

export function alertView(s: AlertState, f: Formatter, n?: Notice): AlertView {
  const e = s.explanation;
  const severity = n?.severity ?? s.severity;
  return {
    id: s.id,
    severity,
    severityLabel: severity === 'critical' ? 'CRITICAL' : 'warning',
    critical: severity === 'critical',
    rule: s.rule,
    ruleTitle: e.ruleTitle,
    accountId: s.accountId,
    accountName: e.accountName,
    owner: e.ownerEmail ?? 'no owner on record',
    arr: f.money(e.arr),
    arrCents: e.arr,
    why: explain(e, f),
    signals: signalViews(
      e.signals.filter((g) => g.name !== 'renewalDueInDays' || g.op !== undefined),
      f,
    ),
    renewal: renewalPhrase(e, f),
    play: e.play,
    openedOn: s.openedOn ?? '',
    snoozed: s.snooze
      ? `${s.snooze.kind === 'snooze' ? 'snoozed' : 'acknowledged'} until ${s.snooze.until} by ${s.snooze.by}: ${s.snooze.reason}`
      : '',
    resolution: n?.kind === 'resolved' ? (n.reason ?? '') : '',
  };
}

// ---- digests -----------------------------------------------------------------------------------

export interface DigestSection {
  kind: NoticeKind;
  title: string;
  items: AlertView[];
}

export interface AtRiskRow {
  rank: number;
  accountName: string;
  accountId: string;
  arr: string;
  owner: string;
  critical: boolean;
  severityLabel: string;
  alerts: string;
  renewal: string;
}

export interface DigestModel {
  audience: 'cco' | 'owner';
  recipient: string;
  company: string;
  date: IsoDate;
  subject: string;
  /** One line for the inbox preview and the text version's first line. */
  summary: string;
  sections: DigestSection[];
  atRiskTitle: string;
  atRisk: AtRiskRow[];
  totalOpen: number;
  /** Notices (new, escalated, reminders, resolved) in this digest. */
  noticeCount: number;
  /** Ids of the notices included. */
  noticeIds: string[];
  /** The first run's summary: a paragraph saying why everything comes at once (else empty). */
  intro: string;
}

const SECTION_TITLES: Record<NoticeKind, string> = {
  opened: 'New',
  escalated: 'Escalated to critical',
  reminder: 'Still open (reminder)',
  resolved: 'Resolved',
};
const SECTION_ORDER: NoticeKind[] = ['escalated', 'opened', 'reminder', 'resolved'];

export interface DigestInput {
  audience: 'cco' | 'owner';
  recipient: string;
  company: string;
  date: IsoDate;
  /** Every known alert state (live and closed). */
  states: readonly AlertState[];
  /** Notices with `at` in (since, until] go in; since undefined: every notice up to `until`. */
  since?: string;
  until: string;
  topAtRisk: number;
  formatter: Formatter;
  /** The summary of the first run after install, sent instead of its critical alerts. */
  firstRun?: boolean;
}

/** Normalised owner address for routing. */
export const ownerKey = (email: string | undefined): string | undefined =>
  email ? email.trim().toLowerCase() : undefined;

/**
 * The digest of one recipient. An owner's digest holds only alerts of accounts they own (by the
 * account's owner_email in the latest evaluation); the CCO's holds everything. Returns undefined
 * when there is nothing to say (an owner with no news; the CCO with no news and nothing open).
 */
export function buildDigest(input: DigestInput): DigestModel | undefined {
  const { formatter: f } = input;
  const mine =
    input.audience === 'cco'
      ? input.states
      : input.states.filter((s) => ownerKey(s.explanation.ownerEmail) === ownerKey(input.recipient));
  const sections = new Map<NoticeKind, AlertView[]>();
  const noticeIds: string[] = [];
  for (const s of mine) {
    for (const n of s.notices) {
      if (n.at > input.until || (input.since !== undefined && n.at <= input.since)) continue;
      noticeIds.push(n.id);
      const list = sections.get(n.kind) ?? [];
      list.push(alertView(s, f, n));
      sections.set(n.kind, list);
    }
  }
  const open = mine.filter((s) => s.status === 'open');
  if (noticeIds.length === 0 && (input.audience === 'owner' || open.length === 0)) return undefined;

  // Critical first, then by ARR (largest first), then by name: what the CCO reads first matters most.
  const byArr = (a: AlertView, b: AlertView) =>
    Number(b.critical) - Number(a.critical) ||
    b.arrCents - a.arrCents ||
    a.accountName.localeCompare(b.accountName) ||
    a.id.localeCompare(b.id);
  const atRisk = rankAtRisk(open, f, input.audience === 'cco' ? input.topAtRisk : Infinity);
  const counts = SECTION_ORDER.map((k) => [k, sections.get(k)?.length ?? 0] as const).filter(([, n]) => n > 0);
  const summary = counts.length
    ? counts.map(([k, n]) => `${n} ${SECTION_TITLES[k].toLowerCase()}`).join(', ') + `; ${open.length} open`
    : `nothing new; ${open.length} open`;
  const who = input.audience === 'cco' ? 'Renewal risk' : 'Your accounts at risk';
  const critical = open.filter((s) => s.severity === 'critical').length;
  const intro = input.firstRun
    ? `This is Pulse's first look at your renewals: every alert open today is in this one message, ${critical} of them critical, instead of one e-mail per critical alert. From the next run on, a new critical alert is sent as it happens, to you and the account's owner.`
    : '';
  return {
    audience: input.audience,
    recipient: input.recipient,
    company: input.company,
    date: input.date,
    subject: input.firstRun
      ? `${who} ${input.date}: first run, ${open.length} open (${critical} critical)`
      : `${who} ${input.date}: ${summary}`,
    summary,
    sections: SECTION_ORDER.filter((k) => sections.has(k)).map((k) => ({
      kind: k,
      title: SECTION_TITLES[k],
      items: sections.get(k)!.sort(byArr),
    })),
    atRiskTitle:
      input.audience === 'cco'
        ? `Top ${Math.min(input.topAtRisk, atRisk.length)} accounts by ARR at risk`
        : 'Your accounts with open alerts',
    atRisk,
    totalOpen: open.length,
    noticeCount: noticeIds.length,
    noticeIds,
    intro,
  };
}

/** Open alerts grouped by account, the accounts ranked by ARR (critical first on ties), top `limit`. */
export function rankAtRisk(open: readonly AlertState[], f: Formatter, limit: number): AtRiskRow[] {
  const byAccount = new Map<string, AlertState[]>();
  for (const s of open) byAccount.set(s.accountId, [...(byAccount.get(s.accountId) ?? []), s]);
  const rows = [...byAccount.values()].map((list) => {
    const e = list.reduce((best, s) => (s.explanation.arr > best.explanation.arr ? s : best)).explanation;
    const critical = list.some((s) => s.severity === 'critical');
    const soonest = list
      .map((s) => s.explanation)
      .filter((x) => x.renewal)
      .sort((a, b) => a.renewal!.daysToDue - b.renewal!.daysToDue)[0];
    return { list, e, critical, arrCents: e.arr, renewal: soonest ? renewalPhrase(soonest, f) : '' };
  });
  rows.sort(
    (a, b) =>
      b.arrCents - a.arrCents ||
      Number(b.critical) - Number(a.critical) ||
      a.list[0]!.accountId.localeCompare(b.list[0]!.accountId),
  );
  return rows.slice(0, limit).map((r, i) => ({
    rank: i + 1,
    accountName: r.e.accountName,
    accountId: r.list[0]!.accountId,
    arr: f.money(r.arrCents),
    owner: r.e.ownerEmail ?? 'no owner on record',
    critical: r.critical,
    severityLabel: r.critical ? 'CRITICAL' : 'warning',
    alerts: r.list
      .map(
        (s) =>
          s.explanation.ruleTitle + (s.snooze ? ` (${s.snooze.kind === 'snooze' ? 'snoozed' : 'acknowledged'})` : ''),
      )
      .join('; '),
    renewal: r.renewal,
  }));
}

// ---- immediate critical alerts -----------------------------------------------------------------

export interface CriticalAlertView extends AlertView {
  /** "new critical alert" / "escalated to critical" */
  event: string;
}

/** One immediate message per recipient and run: every critical notice not yet sent to them. */
export interface CriticalModel {
  recipient: string;
  company: string;
  subject: string;
  count: number;
  alerts: CriticalAlertView[];
}

/** Notices that go out at once: a critical alert opening or escalating, at most a day old. */
export function isImmediate(n: Notice, today: IsoDate): boolean {
  return (
    n.severity === 'critical' &&
    (n.kind === 'opened' || n.kind === 'escalated') &&
    n.on >= addDays(today, -1) &&
    !n.heldForSummary
  );
}

/**
 * A critical notice the first run held for its summary, still recent enough to be acted on (the
 * window of isImmediate). Slack posts these in the summary's thread (functions/app/chat-notify.ts).
 */
export function isHeldCritical(n: Notice, today: IsoDate): boolean {
  return n.heldForSummary === true && isImmediate({ ...n, heldForSummary: undefined }, today);
}

export function buildCritical(
  items: readonly { state: AlertState; notice: Notice }[],
  recipient: string,
  company: string,
  f: Formatter,
): CriticalModel {
  const alerts = items
    .map(({ state, notice }) => ({
      ...alertView(state, f, notice),
      event: notice.kind === 'escalated' ? 'escalated to critical' : 'new critical alert',
    }))
    .sort((a, b) => b.arrCents - a.arrCents || a.id.localeCompare(b.id));
  const first = alerts[0]!;
  const subject =
    alerts.length === 1
      ? `CRITICAL: ${first.accountName} - ${first.ruleTitle} (${first.renewal || `${first.arr} ARR`})`
      : `CRITICAL: ${alerts.length} renewal risks - ${[...new Set(alerts.map((a) => a.accountName))].slice(0, 3).join(', ')}${new Set(alerts.map((a) => a.accountName)).size > 3 ? ', ...' : ''}`;
  return { recipient, company, subject, count: alerts.length, alerts };
}

/** Who gets the immediate alert: the CCO list, plus the account owner when owners get mail. */
export function criticalRecipients(s: AlertState, cco: readonly string[], owners: boolean): string[] {
  const out = new Set(cco.map((a) => a.trim().toLowerCase()));
  const owner = ownerKey(s.explanation.ownerEmail);
  if (owners && owner) out.add(owner);
  return [...out];
}
