// The alert lifecycle: a pure state machine over one alert, keyed by (rule, account[, renewal]).
//
//   (none|resolved|inactive) --breach--> pending --breach for minBreachDays--> open
//   pending --no breach--> inactive                      (never notified)
//   open --exit condition holds (clear / not applicable / gone)--> resolved   (notice: resolved)
//   open --severity warning -> critical--> open          (notice: escalated; ends a snooze)
//   open --cooldownDays since the last notice, not snoozed--> open   (notice: reminder)
//   open --snooze / acknowledge (reason, expiry)--> open  (no reminders until the expiry)
//
// An open alert is evaluated with the exit thresholds, anything else with the enter thresholds
// (see evaluate.ts), so a value hovering around the enter threshold does not flap. Stepping the same
// date twice with the same observation changes nothing and notifies nothing (idempotent reruns).
// Every transition is recorded with when, who and why.
import { addDays, daysBetween, type IsoDate } from '../dates';
import type { AlertKey, AlertRuleId, Explanation, Observation, Severity } from './types';
import { alertId } from './types';

export type AlertStatus = 'pending' | 'open' | 'resolved' | 'inactive';
export type NoticeKind = 'opened' | 'escalated' | 'reminder' | 'resolved';

/** A notification-worthy event. Its id is the idempotency key of every message about it. */
export interface Notice {
  id: string;
  alertId: string;
  kind: NoticeKind;
  episode: number;
  severity: Severity;
  /** Evaluation date and instant it happened. */
  on: IsoDate;
  at: string;
  /** Why it was resolved (resolved notices). */
  reason?: string;
  /**
   * A critical notice of the first run after install: not sent on its own, but in the one
   * summary the CCO gets instead of a burst of critical alerts (docs/alerts.md).
   */
  heldForSummary?: true;
}

export interface Snooze {
  kind: 'snooze' | 'acknowledge';
  /** Silenced until this date (exclusive: reminders may resume on it). */
  until: IsoDate;
  reason: string;
  by: string;
  at: string;
}

export interface Transition {
  at: string;
  on: IsoDate;
  event:
    | 'breach-started'
    | 'opened'
    | 'cleared-before-open'
    | 'escalated'
    | 'reminded'
    | 'resolved'
    | 'snoozed'
    | 'acknowledged'
    | 'snooze-expired'
    | 'snooze-ended';
  from: AlertStatus | 'none';
  to: AlertStatus;
  by: string;
  why: string;
  severity?: Severity;
}

export interface AlertState extends AlertKey {
  id: string;
  status: AlertStatus;
  severity: Severity;
  /** 1 for the first time the alert opened; +1 each time it opens again after resolving. */
  episode: number;
  /** First evaluation date of the current uninterrupted breach (pending and open alerts). */
  breachSince?: IsoDate;
  openedOn?: IsoDate;
  resolvedOn?: IsoDate;
  lastNotifiedOn?: IsoDate;
  lastEvaluatedOn: IsoDate;
  snooze?: Snooze;
  /** The latest observation's explanation (signals, owner, renewal, play). */
  explanation: Explanation;
  /** The newest notices, oldest first (bounded: MAX_NOTICES). */
  notices: Notice[];
  /** Every transition, oldest first (bounded: MAX_HISTORY; `historyDropped` counts the ones cut). */
  history: Transition[];
  historyDropped: number;
  /** Optimistic-concurrency version, managed by the state store (0 = never stored). */
  version: number;
}

export const MAX_NOTICES = 20;
export const MAX_HISTORY = 200;

export interface StepContext {
  on: IsoDate;
  at: string;
  /** Who runs the evaluation, e.g. `pulse alerts run` or `alert-digest`. */
  by: string;
  minBreachDays: number;
  cooldownDays: number;
}

export interface StepResult {
  state: AlertState | undefined;
  notices: Notice[];
  /** False when nothing worth storing changed. */
  changed: boolean;
}

/**
 * Advances one alert. `prev` is its stored state (undefined: never seen); `obs` the evaluation of its
 * rule on `ctx.on` (enter thresholds unless `prev` is open, then exit thresholds; undefined when the
 * rule produced nothing for this key: the renewal closed, the account left, the rule was disabled).
 */
export function step(
  prev: AlertState | undefined,
  key: AlertKey,
  obs: Observation | undefined,
  ctx: StepContext,
  goneReason = 'no longer evaluated',
): StepResult {
  if (prev && ctx.on < prev.lastEvaluatedOn) return { state: prev, notices: [], changed: false }; // never go back in time
  const breach = obs?.status === 'breach';
  const live = prev && (prev.status === 'pending' || prev.status === 'open');

  if (!live) {
    if (!breach) return { state: prev, notices: [], changed: false };
    const s = startEpisode(prev, key, obs!, ctx);
    return maybeOpen(s, ctx);
  }

  const s = clone(prev!);
  s.lastEvaluatedOn = ctx.on;
  if (obs) s.explanation = obs.explanation;

  if (s.status === 'pending') {
    if (!breach) {
      record(s, ctx, 'cleared-before-open', 'inactive', obs ? describeNoBreach(obs) : goneReason);
      s.status = 'inactive';
      delete s.breachSince;
      return { state: s, notices: [], changed: true };
    }
    if (severityRank(obs!.severity) > severityRank(s.severity)) s.severity = obs!.severity;
    return maybeOpen(s, ctx, !sameState(prev!, s));
  }

  // open
  const notices: Notice[] = [];
  if (!breach) {
    const reason = obs ? describeNoBreach(obs) : goneReason;
    record(s, ctx, 'resolved', 'resolved', reason);
    s.status = 'resolved';
    s.resolvedOn = ctx.on;
    delete s.breachSince;
    delete s.snooze;
    notices.push(notice(s, 'resolved', ctx, reason));
    return finish(s, notices);
  }
  if (s.snooze && ctx.on >= s.snooze.until) {
    record(
      s,
      ctx,
      'snooze-expired',
      'open',
      `${s.snooze.kind === 'snooze' ? 'snoozed' : 'acknowledged'} until ${s.snooze.until} by ${s.snooze.by}: ${s.snooze.reason}`,
    );
    delete s.snooze;
  }
  if (severityRank(obs!.severity) > severityRank(s.severity)) {
    s.severity = obs!.severity;
    if (s.snooze) {
      record(s, ctx, 'snooze-ended', 'open', 'escalated to critical');
      delete s.snooze;
    }
    record(s, ctx, 'escalated', 'open', `severity ${prev!.severity} -> ${s.severity}`);
    s.lastNotifiedOn = ctx.on;
    notices.push(notice(s, 'escalated', ctx));
  } else if (!s.snooze && s.lastNotifiedOn !== undefined && ctx.on >= addDays(s.lastNotifiedOn, ctx.cooldownDays)) {
    record(
      s,
      ctx,
      'reminded',
      'open',
      `still open ${daysBetween(s.lastNotifiedOn, ctx.on)} days after the last notice (cooldown ${ctx.cooldownDays} days)`,
    );
    s.lastNotifiedOn = ctx.on;
    notices.push(notice(s, 'reminder', ctx));
  }
  return finish(s, notices, notices.length > 0 || !sameState(prev!, s));
}

function startEpisode(prev: AlertState | undefined, key: AlertKey, obs: Observation, ctx: StepContext): AlertState {
  const s: AlertState = prev
    ? clone(prev)
    : {
        ...key,
        id: alertId(key),
        status: 'inactive',
        severity: obs.severity,
        episode: 0,
        lastEvaluatedOn: ctx.on,
        explanation: obs.explanation,
        notices: [],
        history: [],
        historyDropped: 0,
        version: 0,
      };
  s.severity = obs.severity;
  s.explanation = obs.explanation;
  s.lastEvaluatedOn = ctx.on;
  s.breachSince = ctx.on;
  delete s.openedOn;
  delete s.resolvedOn;
  delete s.lastNotifiedOn;
  delete s.snooze;
  record(s, ctx, 'breach-started', 'pending', 'rule breached');
  s.status = 'pending';
  return s;
}

function maybeOpen(s: AlertState, ctx: StepContext, changed = true): StepResult {
  const days = daysBetween(s.breachSince!, ctx.on);
  if (days < ctx.minBreachDays) return { state: s, notices: [], changed };
  s.episode += 1;
  record(
    s,
    ctx,
    'opened',
    'open',
    ctx.minBreachDays > 0 ? `breached for ${days} days (minimum ${ctx.minBreachDays})` : 'rule breached',
  );
  s.status = 'open';
  s.openedOn = ctx.on;
  s.lastNotifiedOn = ctx.on;
  return finish(s, [notice(s, 'opened', ctx)]);
}

function finish(s: AlertState, notices: Notice[], changed = true): StepResult {
  if (notices.length) s.notices = [...s.notices, ...notices].slice(-MAX_NOTICES);
  return { state: s, notices, changed };
}

function notice(s: AlertState, kind: NoticeKind, ctx: StepContext, reason?: string): Notice {
  const n: Notice = {
    id: `${s.id}#${s.episode}:${kind}${kind === 'reminder' ? `:${ctx.on}` : kind === 'escalated' ? `:${s.severity}` : ''}`,
    alertId: s.id,
    kind,
    episode: s.episode,
    severity: s.severity,
    on: ctx.on,
    at: ctx.at,
  };
  if (reason !== undefined) n.reason = reason;
  return n;
}

function record(
  s: AlertState,
  ctx: StepContext,
  event: Transition['event'],
  to: AlertStatus,
  why: string,
  by = ctx.by,
): void {
  const from: AlertStatus | 'none' =
    s.history.length === 0 &&
    s.version === 0 &&
    s.episode === 0 &&
    event === 'breach-started' &&
    s.status === 'inactive'
      ? 'none'
      : s.status;
  s.history.push({ at: ctx.at, on: ctx.on, event, from, to, by, why, severity: s.severity });
  if (s.history.length > MAX_HISTORY) {
    s.historyDropped += s.history.length - MAX_HISTORY;
    s.history = s.history.slice(-MAX_HISTORY);
  }
}

function describeNoBreach(obs: Observation): string {
  if (obs.explanation.reason) return obs.explanation.reason;
  const thresholds = obs.explanation.signals.filter((g) => g.op !== undefined);
  if (thresholds.length === 0) return obs.status === 'clear' ? 'exit condition holds' : 'no longer applicable';
  return `exit condition holds: ${thresholds.map((g) => `${g.label} ${fmt(g.value, g.unit)} (${g.op} ${fmt(g.threshold!, g.unit)} no longer true)`).join(', ')}`;
}

function fmt(v: number, unit: string): string {
  return unit === 'percent' ? `${Math.round(v * 1000) / 10}%` : String(Math.round(v * 100) / 100);
}

export function severityRank(s: Severity): number {
  return s === 'critical' ? 2 : 1;
}

function clone(s: AlertState): AlertState {
  return structuredClone(s);
}

/** Equal apart from the evaluation date and the explanation's incidental values. */
function sameState(a: AlertState, b: AlertState): boolean {
  return (
    a.status === b.status &&
    a.severity === b.severity &&
    a.episode === b.episode &&
    a.lastNotifiedOn === b.lastNotifiedOn &&
    a.history.length === b.history.length &&
    a.breachSince === b.breachSince &&
    JSON.stringify(a.snooze) === JSON.stringify(b.snooze) &&
    JSON.stringify(a.explanation) === JSON.stringify(b.explanation)
  );
}

// ---- snooze and acknowledge ------------------------------------------------------------------

export class AlertActionError extends Error {
  readonly code = 'ALERT_ACTION_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AlertActionError';
  }
}

/** Silences reminders of a live alert until `until` (exclusive), with a reason; escalation still notifies. */
export function snoozeAlert(
  prev: AlertState,
  action: {
    kind: 'snooze' | 'acknowledge';
    until: IsoDate;
    reason: string;
    by: string;
    on: IsoDate;
    at: string;
    maxDays: number;
  },
): AlertState {
  if (prev.status !== 'open' && prev.status !== 'pending')
    throw new AlertActionError(
      `alert ${prev.id} is ${prev.status}: only an open or pending alert can be ${action.kind === 'snooze' ? 'snoozed' : 'acknowledged'}`,
    );
  if (!action.reason.trim()) throw new AlertActionError('a reason is required');
  if (!action.by.trim()) throw new AlertActionError('who snoozes it is required');
  if (action.until <= action.on) throw new AlertActionError(`the expiry ${action.until} must be after ${action.on}`);
  if (daysBetween(action.on, action.until) > action.maxDays)
    throw new AlertActionError(
      `the expiry ${action.until} is more than ${action.maxDays} days away (alerts.snooze.maxDays)`,
    );
  const s = clone(prev);
  s.snooze = {
    kind: action.kind,
    until: action.until,
    reason: action.reason.trim(),
    by: action.by.trim(),
    at: action.at,
  };
  record(
    s,
    { on: action.on, at: action.at, by: action.by, minBreachDays: 0, cooldownDays: 0 },
    action.kind === 'snooze' ? 'snoozed' : 'acknowledged',
    s.status,
    `until ${action.until}: ${s.snooze.reason}`,
    action.by.trim(),
  );
  return s;
}

export type { AlertRuleId };
