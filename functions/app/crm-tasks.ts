// CRM tasks for alerts (notifications.crmTasks): the alert's lifecycle, mirrored as one task in
// HubSpot or Salesforce for the account owner.
//
//   alert open                -> `open`       (due: today + dueInDays, never after the renewal)
//   alert snoozed until D     -> `reschedule` (due: D)
//   alert resolved            -> `complete`
//
// Every command goes out through send-once on the channel `crm-task`, keyed by (alert episode,
// transition): kind `crm-task`, period `<alert id>#<episode>:open`, `...:reschedule:<until>` or
// `...:complete`, recipient the CRM system. So a rerun, a duplicated event or a concurrent run
// opens one task per alert episode, ever (an alert that resolved and opens again is a new episode
// and gets a new task: the old one was completed). The CRM's task id is the ledger's message id
// of the `open` key; a reschedule or completion reads it back (SendLedger.delivered).
//
// The sync is declarative: it looks at the alert states and sends whatever transition has not
// gone out yet, so a CRM that was down is caught up by the next alert run, and alerts that were
// open before CRM tasks were configured get their task on the first run after.
import { addDays, type IsoDate } from '../domain/dates';
import { explain, type AlertState, type Formatter } from '../domain/alerts';
import type { SendKey, SendLedger } from '../ports/send-ledger';
import type { TaskCommand, TaskTracker } from '../ports/task-tracker';
import { atLeastOnce, sendOnce } from './send-once';

export const CRM_TASK_CHANNEL = 'crm-task';
/** A resolution older than this is not completed any more (the state list is not scanned forever). */
export const COMPLETE_WITHIN_DAYS = 14;

export interface CrmTaskSettings {
  /** Days from the alert's opening to the task's due date, by severity. */
  dueInDays: { critical: number; warning: number };
}

export interface CrmTaskDeps {
  ledger: SendLedger;
  tracker: TaskTracker;
  settings: CrmTaskSettings;
  formatter: Formatter;
  /** Take over a claim left by a run that stopped after this long (default 30 minutes). */
  staleClaimMs?: number;
}

export type CrmTransition = 'open' | 'reschedule' | 'complete';

export interface CrmTaskOutcome {
  alertId: string;
  transition: CrmTransition;
  /** `no-task`: the alert's task was never opened (or not yet), so there is nothing to update. */
  status: 'sent' | 'already-sent' | 'in-flight' | 'failed' | 'no-task';
  taskId?: string;
  error?: string;
}

export function crmTaskKey(system: string, s: Pick<AlertState, 'id' | 'episode'>, transition: string): SendKey {
  return {
    kind: 'crm-task',
    period: `${s.id}#${s.episode}:${transition}`,
    recipient: system,
    channel: CRM_TASK_CHANNEL,
  };
}

/** Sends every transition the states call for that has not gone out yet; one outcome per command tried. */
export async function syncCrmTasks(
  deps: CrmTaskDeps,
  states: readonly AlertState[],
  today: IsoDate,
): Promise<CrmTaskOutcome[]> {
  const outcomes: CrmTaskOutcome[] = [];
  for (const s of [...states].sort((a, b) => a.id.localeCompare(b.id))) {
    if (s.episode === 0) continue; // never opened
    if (s.status === 'open') {
      const opened = await openTask(deps, s, today);
      outcomes.push(opened);
      if (s.snooze?.kind === 'snooze' && opened.taskId)
        outcomes.push(await updateTask(deps, s, 'reschedule', opened.taskId));
    } else if (s.status === 'resolved' && s.resolvedOn && s.resolvedOn >= addDays(today, -COMPLETE_WITHIN_DAYS)) {
      const task = await deps.ledger.delivered(crmTaskKey(deps.tracker.system, s, 'open'));
      if (task) outcomes.push(await updateTask(deps, s, 'complete', task.messageId));
    }
  }
  return outcomes;
}

/** After a snooze (from the CLI, an e-mail link or Slack): moves the alert's task, when it has one. */
export async function rescheduleCrmTask(deps: CrmTaskDeps, s: AlertState): Promise<CrmTaskOutcome | undefined> {
  if (s.snooze?.kind !== 'snooze') return undefined;
  const task = await deps.ledger.delivered(crmTaskKey(deps.tracker.system, s, 'open'));
  if (!task) return { alertId: s.id, transition: 'reschedule', status: 'no-task' };
  return updateTask(deps, s, 'reschedule', task.messageId);
}

/** The open task's due date: today + dueInDays for its severity, but not after the renewal's due date (nor before today). */
export function taskDueDate(s: AlertState, today: IsoDate, settings: CrmTaskSettings): IsoDate {
  const due = addDays(today, settings.dueInDays[s.severity]);
  const renewal = s.explanation.renewal?.dueDate;
  return renewal && renewal > today && renewal < due ? renewal : due;
}

function openCommand(deps: CrmTaskDeps, s: AlertState, today: IsoDate): TaskCommand {
  const e = s.explanation;
  const lines = [
    `${e.ruleTitle} (${s.severity}).`,
    `Why: ${explain(e, deps.formatter)}.`,
    `Play: ${e.play}`,
    `ARR: ${deps.formatter.money(e.arr)}${e.renewal ? `; renewal due ${e.renewal.dueDate}` : ''}.`,
    `Pulse alert ${s.id}, opened ${s.openedOn ?? today}.`,
  ];
  return {
    action: 'open',
    alertId: s.id,
    accountId: s.accountId,
    accountName: e.accountName,
    ...(e.ownerEmail ? { ownerEmail: e.ownerEmail } : {}),
    subject: `Renewal risk: ${e.accountName} - ${e.ruleTitle}`,
    body: lines.join('\n'),
    dueDate: taskDueDate(s, today, deps.settings),
    priority: s.severity === 'critical' ? 'high' : 'normal',
  };
}

async function openTask(deps: CrmTaskDeps, s: AlertState, today: IsoDate): Promise<CrmTaskOutcome> {
  return send(deps, s, 'open', 'open', () => openCommand(deps, s, today));
}

async function updateTask(
  deps: CrmTaskDeps,
  s: AlertState,
  transition: 'reschedule' | 'complete',
  taskId: string,
): Promise<CrmTaskOutcome> {
  if (transition === 'complete') {
    const note = `Pulse: the alert resolved on ${s.resolvedOn}${lastWhy(s) ? ` (${lastWhy(s)})` : ''}.`;
    return send(deps, s, 'complete', 'complete', () => ({ action: 'complete', taskId, note }));
  }
  const snooze = s.snooze!;
  const note = `Pulse: ${snooze.by} snoozed the alert until ${snooze.until}: ${snooze.reason}`;
  return send(deps, s, 'reschedule', `reschedule:${snooze.until}`, () => ({
    action: 'reschedule',
    taskId,
    dueDate: snooze.until,
    note,
  }));
}

async function send(
  deps: CrmTaskDeps,
  s: AlertState,
  transition: CrmTransition,
  keyPart: string,
  compose: () => TaskCommand,
): Promise<CrmTaskOutcome> {
  const key = crmTaskKey(deps.tracker.system, s, keyPart);
  const { outcomes } = await sendOnce(
    { ledger: deps.ledger, channel: deps.tracker },
    [key],
    compose,
    atLeastOnce(deps.staleClaimMs),
  );
  const o = outcomes[0]!;
  const base = { alertId: s.id, transition };
  if (o.status === 'sent' || o.status === 'already-sent') return { ...base, status: o.status, taskId: o.messageId };
  if (o.status === 'in-flight') return { ...base, status: 'in-flight' };
  return { ...base, status: 'failed', error: o.error };
}

function lastWhy(s: AlertState): string | undefined {
  return [...s.history].reverse().find((t) => t.event === 'resolved')?.why;
}
