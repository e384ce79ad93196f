// The CRM task lifecycle (functions/app/crm-tasks.ts) against an in-memory TaskTracker and the
// in-memory send ledger: one task per alert episode under reruns and concurrent runs, the due
// date, rescheduled on snooze, completed on resolve, a failed open caught up by the next run.
import { describe, expect, it } from 'vitest';
import { InMemoryAlertStateStore, InMemorySendLedger } from '../../../functions/adapters/memory/alerts';
import { snoozeAlertById } from '../../../functions/app/alert-actions';
import {
  crmTaskKey,
  rescheduleCrmTask,
  syncCrmTasks,
  taskDueDate,
  type CrmTaskDeps,
} from '../../../functions/app/crm-tasks';
import { makeFormatter, step, type AlertState } from '../../../functions/domain/alerts';
import { DeliveryError } from '../../../functions/ports/send-ledger';
import { MemoryTaskTracker } from '../../support/memory-task-tracker';
import { obs } from './helpers';

const TODAY = '2026-11-23';
const ctx = (on: string) => ({ on, at: `${on}T12:00:00.000Z`, by: 'test', minBreachDays: 0, cooldownDays: 7 });
const renewal = { renewalId: 'R-1', dueDate: '2026-12-31', arrUp: 8_400_000, daysToDue: 38 };

function openAlert(over: { severity?: 'warning' | 'critical'; renewalDue?: string } = {}): AlertState {
  const o = obs('breach', over.severity ?? 'critical', {
    accountName: 'Acme',
    ownerEmail: 'jo@northwind.example',
    renewal: { ...renewal, dueDate: over.renewalDue ?? renewal.dueDate },
  });
  return step(undefined, { rule: 'red-health-renewal', accountId: 'A-1', renewalId: 'R-1' }, o, ctx(TODAY)).state!;
}

function setup(): { deps: CrmTaskDeps; tracker: MemoryTaskTracker; ledger: InMemorySendLedger } {
  const tracker = new MemoryTaskTracker('hubspot');
  const ledger = new InMemorySendLedger();
  return {
    tracker,
    ledger,
    deps: {
      ledger,
      tracker,
      settings: { dueInDays: { critical: 2, warning: 7 } },
      formatter: makeFormatter('en-US', 'USD'),
    },
  };
}

describe('CRM tasks for alerts', () => {
  it('opens one task for an open alert, with the explanation, owner, priority and due date; a rerun opens none', async () => {
    const { deps, tracker, ledger } = setup();
    const alert = openAlert();
    const [first] = await syncCrmTasks(deps, [alert], TODAY);
    expect(first).toEqual({ alertId: alert.id, transition: 'open', status: 'sent', taskId: 'task-1' });
    const task = tracker.tasks.get('task-1')!;
    expect(task).toMatchObject({
      alertId: alert.id,
      ownerEmail: 'jo@northwind.example',
      priority: 'high',
      dueDate: '2026-11-25',
      completed: false,
    });
    expect(task.subject).toContain('Acme');
    expect(task.body).toContain('Play: Call');
    expect(task.body).toContain('$84,000');
    expect(await ledger.delivered(crmTaskKey('hubspot', alert, 'open'))).toMatchObject({ messageId: 'task-1' });

    const [again] = await syncCrmTasks(deps, [alert], TODAY);
    expect(again).toMatchObject({ status: 'already-sent', taskId: 'task-1' });
    expect(tracker.commands).toHaveLength(1);
  });

  it('opens one task when two runs sync at the same time', async () => {
    const { deps, tracker } = setup();
    const alert = openAlert();
    const runs = await Promise.all([
      syncCrmTasks(deps, [alert], TODAY),
      syncCrmTasks(deps, [alert], TODAY),
      syncCrmTasks(deps, [alert], TODAY),
    ]);
    expect(tracker.tasks.size).toBe(1);
    expect(runs.flat().filter((o) => o.status === 'sent')).toHaveLength(1);
  });

  it('due date: today + the days for the severity, but never after the renewal', () => {
    const { deps } = setup();
    expect(taskDueDate(openAlert({ severity: 'warning' }), TODAY, deps.settings)).toBe('2026-11-30');
    expect(taskDueDate(openAlert({ severity: 'warning', renewalDue: '2026-11-26' }), TODAY, deps.settings)).toBe(
      '2026-11-26',
    );
  });

  it('reschedules the task to the snooze end when the alert is snoozed, once per snooze', async () => {
    const { deps, tracker } = setup();
    const store = new InMemoryAlertStateStore();
    const alert = await store.putAlert(openAlert());
    await syncCrmTasks(deps, [alert], TODAY);
    const { state } = await snoozeAlertById(
      store,
      { defaultDays: 7, maxDays: 90 },
      { id: alert.id, kind: 'snooze', reason: 'exec call booked', by: 'jo@northwind.example', today: TODAY },
    );
    expect(await rescheduleCrmTask(deps, state)).toMatchObject({
      transition: 'reschedule',
      status: 'sent',
      taskId: 'task-1',
    });
    expect(tracker.tasks.get('task-1')).toMatchObject({ dueDate: '2026-11-30' });
    expect(tracker.tasks.get('task-1')!.notes[0]).toContain('jo@northwind.example snoozed the alert until 2026-11-30');
    // The next alert run sees the same snooze: nothing new goes out.
    const outcomes = await syncCrmTasks(deps, [state], TODAY);
    expect(outcomes.map((o) => o.status)).toEqual(['already-sent', 'already-sent']);
    expect(tracker.commands.map((c) => c.action)).toEqual(['open', 'reschedule']);
  });

  it('says there is no task to reschedule when none was opened', async () => {
    const { deps, tracker } = setup();
    const store = new InMemoryAlertStateStore();
    const alert = await store.putAlert(openAlert());
    const { state } = await snoozeAlertById(
      store,
      { defaultDays: 7, maxDays: 90 },
      { id: alert.id, kind: 'snooze', reason: 'r', by: 'x', today: TODAY },
    );
    expect(await rescheduleCrmTask(deps, state)).toEqual({
      alertId: alert.id,
      transition: 'reschedule',
      status: 'no-task',
    });
    expect(tracker.commands).toEqual([]);
  });

  it('completes the task when the alert resolves, once', async () => {
    const { deps, tracker } = setup();
    const alert = openAlert();
    await syncCrmTasks(deps, [alert], TODAY);
    const resolved = step(
      alert,
      { rule: 'red-health-renewal', accountId: 'A-1', renewalId: 'R-1' },
      obs('clear'),
      ctx('2026-11-24'),
    ).state!;
    expect(resolved.status).toBe('resolved');
    expect(await syncCrmTasks(deps, [resolved], '2026-11-24')).toEqual([
      { alertId: alert.id, transition: 'complete', status: 'sent', taskId: 'task-1' },
    ]);
    expect(tracker.tasks.get('task-1')).toMatchObject({ completed: true });
    expect((await syncCrmTasks(deps, [resolved], '2026-11-25'))[0]).toMatchObject({ status: 'already-sent' });
    expect(tracker.commands.map((c) => c.action)).toEqual(['open', 'complete']);
  });

  it('a CRM that refused the open is caught up by the next run; the alert state is untouched', async () => {
    const { deps, tracker } = setup();
    const alert = openAlert();
    tracker.failures.push(new DeliveryError('HubSpot answered 503', true));
    expect((await syncCrmTasks(deps, [alert], TODAY))[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('503'),
    });
    expect((await syncCrmTasks(deps, [alert], TODAY))[0]).toMatchObject({ status: 'sent', taskId: 'task-1' });
    expect(tracker.tasks.size).toBe(1);
  });
});
