// What a person does with the stored alerts (`pulse alerts list|snooze`, and any future Slack or
// web action): list them, read one's history, snooze or acknowledge one. A snooze is stored with
// the alert's optimistic version; when a concurrent run changed the alert in between, it is read
// again and the snooze applied to the fresh state (a few times, then AlertBusyError).
import type { PulseConfig } from '../config';
import { snoozeAlert, type AlertState } from '../domain/alerts';
import { addDays, type IsoDate } from '../domain/dates';
import { AlertConflictError, type AlertStateStore } from '../ports/alerts';
import { updateAlertMessages, type AlertMessageDeps, type ChatOutcome, type ClickedMessage } from './chat-notify';
import { rescheduleCrmTask, type CrmTaskDeps, type CrmTaskOutcome } from './crm-tasks';

const MAX_SNOOZE_ATTEMPTS = 3;

export class AlertNotFoundError extends Error {
  override readonly name = 'AlertNotFoundError';
  readonly code = 'ALERT_NOT_FOUND';
  constructor(readonly alertId: string) {
    super(`no alert ${alertId}`);
  }
}

export class AlertBusyError extends Error {
  override readonly name = 'AlertBusyError';
  readonly code = 'ALERT_BUSY';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} kept changing under a concurrent run; try again`);
  }
}

export interface AlertListFilter {
  /** Resolved and closed alerts too (default: open and pending only). */
  all?: boolean;
  /** Only the alerts of accounts this owner (owner_email) has. */
  owner?: string;
}

/** The stored alerts, critical first, then by ARR (largest first), then by id. */
export async function listAlerts(
  store: Pick<AlertStateStore, 'listAlerts'>,
  filter: AlertListFilter = {},
): Promise<AlertState[]> {
  let alerts = await store.listAlerts();
  if (!filter.all) alerts = alerts.filter((s) => s.status === 'open' || s.status === 'pending');
  const owner = filter.owner?.trim().toLowerCase();
  if (owner) alerts = alerts.filter((s) => s.explanation.ownerEmail?.toLowerCase() === owner);
  return alerts.sort(
    (a, b) =>
      Number(b.severity === 'critical') - Number(a.severity === 'critical') ||
      b.explanation.arr - a.explanation.arr ||
      a.id.localeCompare(b.id),
  );
}

/** One alert with its history; AlertNotFoundError when there is none. */
export async function getAlert(store: Pick<AlertStateStore, 'getAlert'>, id: string): Promise<AlertState> {
  const s = await store.getAlert(id);
  if (!s) throw new AlertNotFoundError(id);
  return s;
}

/** `pulse alerts list`: the stored alerts, or with `history` one alert with every transition (AlertNotFoundError when none). */
export async function readAlerts(
  store: Pick<AlertStateStore, 'listAlerts' | 'getAlert'>,
  query: AlertListFilter & { history?: string },
): Promise<{ alert: AlertState } | { alerts: AlertState[] }> {
  if (query.history) return { alert: await getAlert(store, query.history) };
  return {
    alerts: await listAlerts(store, {
      ...(query.all ? { all: true } : {}),
      ...(query.owner ? { owner: query.owner } : {}),
    }),
  };
}

export interface SnoozeRequest {
  id: string;
  /** `acknowledge`: seen and handled; `snooze`: no reminders for a while. Either way escalation and resolution still notify. */
  kind: 'snooze' | 'acknowledge';
  reason: string;
  by: string;
  /** Today in the company's time zone. */
  today: IsoDate;
  /** The expiry; default `today` + alerts.snooze.defaultDays (or `days`). */
  until?: IsoDate;
  days?: number;
  now?: () => Date;
}

export interface SnoozeLimits {
  defaultDays: number;
  maxDays: number;
}

export const snoozeLimitsFrom = (config: Pick<PulseConfig, 'alerts'>): SnoozeLimits => ({
  defaultDays: config.alerts.snooze.defaultDays,
  maxDays: config.alerts.snooze.maxDays,
});

/**
 * Snoozes (or acknowledges) one alert until a date. Throws AlertNotFoundError, the domain's
 * AlertActionError (not live, no reason, expiry out of range) or AlertBusyError.
 */
export async function snoozeAlertById(
  store: Pick<AlertStateStore, 'getAlert' | 'putAlert'>,
  limits: SnoozeLimits,
  request: SnoozeRequest,
): Promise<{ state: AlertState; until: IsoDate }> {
  const until = request.until ?? addDays(request.today, request.days ?? limits.defaultDays);
  const now = request.now ?? (() => new Date());
  for (let attempt = 0; attempt < MAX_SNOOZE_ATTEMPTS; attempt++) {
    const current = await getAlert(store, request.id);
    const next = snoozeAlert(current, {
      kind: request.kind,
      until,
      reason: request.reason,
      by: request.by,
      on: request.today,
      at: now().toISOString(),
      maxDays: limits.maxDays,
    });
    try {
      return { state: await store.putAlert(next), until };
    } catch (e) {
      if (e instanceof AlertConflictError) continue;
      throw e;
    }
  }
  throw new AlertBusyError(request.id);
}

/**
 * A snooze (or acknowledgement), then the alert's CRM task moved to the snooze's end when CRM
 * tasks are configured, and its Slack messages updated with the new status when Slack is
 * (functions/app/chat-notify.ts, updateAlertMessages). Neither failure undoes the snooze: each is
 * reported, and the next alert run catches up (reschedules the task, updates the messages).
 */
export async function snoozeAlertAndTask(
  store: Pick<AlertStateStore, 'getAlert' | 'putAlert'>,
  limits: SnoozeLimits,
  request: SnoozeRequest,
  tasks?: CrmTaskDeps,
  chat?: { messages: AlertMessageDeps; clicked?: ClickedMessage },
): Promise<{ state: AlertState; until: IsoDate; crmTask?: CrmTaskOutcome; chat?: ChatOutcome[] }> {
  const done = await snoozeAlertById(store, limits, request);
  let crmTask: CrmTaskOutcome | undefined;
  if (tasks)
    try {
      crmTask = await rescheduleCrmTask(tasks, done.state);
    } catch (e) {
      crmTask = { alertId: request.id, transition: 'reschedule', status: 'failed', error: (e as Error).message };
    }
  const posted = chat ? await updateAlertMessages(chat.messages, done.state, chat.clicked) : undefined;
  return { ...done, ...(crmTask ? { crmTask } : {}), ...(posted ? { chat: posted } : {}) };
}
