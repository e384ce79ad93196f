// A TaskTracker in memory for the CRM task wiring's tests: it keeps every command it was sent and
// the tasks as a CRM would (open, due date, completed), and can fail the next sends on demand.
import { DeliveryError } from '../../functions/ports/send-ledger';
import type { TaskCommand, TaskTracker } from '../../functions/ports/task-tracker';

export interface MemoryTask {
  id: string;
  alertId: string;
  subject: string;
  body: string;
  dueDate: string;
  ownerEmail?: string;
  priority: 'high' | 'normal';
  completed: boolean;
  notes: string[];
}

export class MemoryTaskTracker implements TaskTracker {
  readonly commands: TaskCommand[] = [];
  readonly tasks = new Map<string, MemoryTask>();
  /** Thrown by the next sends, one per send. */
  failures: unknown[] = [];
  constructor(readonly system: 'hubspot' | 'salesforce' = 'hubspot') {}

  async send(command: TaskCommand): Promise<{ messageId: string }> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.commands.push(structuredClone(command));
    if (command.action === 'open') {
      const id = `task-${this.tasks.size + 1}`;
      this.tasks.set(id, {
        id,
        alertId: command.alertId,
        subject: command.subject,
        body: command.body,
        dueDate: command.dueDate,
        priority: command.priority,
        completed: false,
        notes: [],
        ...(command.ownerEmail ? { ownerEmail: command.ownerEmail } : {}),
      });
      return { messageId: id };
    }
    const task = this.tasks.get(command.taskId);
    if (!task) throw new DeliveryError(`no task ${command.taskId}`, true);
    if (command.action === 'reschedule') task.dueDate = command.dueDate;
    else task.completed = true;
    task.notes.push(command.note);
    return { messageId: task.id };
  }
}
