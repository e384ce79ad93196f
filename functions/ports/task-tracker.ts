// CRM tasks for alerts: when a renewal-risk alert opens, the account owner gets one task in the
// CRM (HubSpot: a task associated with the company; Salesforce: a Task on the Account); snoozing
// the alert moves the task's due date, resolving it completes the task. Every command goes out
// through send-once (functions/app/send-once.ts) on the channel `crm-task`, keyed by (alert,
// transition), so a rerun never opens a second task; the task id the CRM answers is the ledger's
// message id, which is how a later snooze or resolve finds the task again.
import type { DeliveryChannel } from './send-ledger';

export type TaskCommand =
  | {
      action: 'open';
      /** The alert's id: the task's idempotency key, also written into the task. */
      alertId: string;
      /** The Pulse account id; the adapter finds the CRM record through the source's identity mapping. */
      accountId: string;
      accountName: string;
      /** Assigned to the CRM user with this e-mail, when there is one. */
      ownerEmail?: string;
      subject: string;
      /** Plain text: why the alert fired (signals, values, thresholds), the play, ARR and renewal date. */
      body: string;
      /** YYYY-MM-DD, from the play. */
      dueDate: string;
      priority: 'high' | 'normal';
    }
  | { action: 'reschedule'; taskId: string; dueDate: string; note: string }
  | { action: 'complete'; taskId: string; note: string };

/** A CRM's tasks. `send` answers with the task's id; it throws a DeliveryError like every channel. */
export interface TaskTracker extends DeliveryChannel<TaskCommand> {
  /** `hubspot` or `salesforce`: names the channel in the send ledger and the run ledger. */
  readonly system: string;
}
