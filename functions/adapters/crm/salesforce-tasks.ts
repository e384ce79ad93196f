// Alert tasks in Salesforce: a Task on the Account (WhatId), assigned to the owner's User when
// Salesforce knows the e-mail, due on the play's date. The Account is found the way the Salesforce
// source names it: `<source>:<Id>` is the Account itself, else the identity rules in order (a field
// holding the Pulse id, then the billing e-mail domains against the Account's Website). A task
// whose Account is not found is still created, unlinked, and says so.
//
// Exactly once is the send ledger's job (functions/app/send-once.ts); here, the create is sent once
// (no retry after a timeout or 5xx: the Task may exist), and a DeliveryError says `notSent` only
// when Salesforce surely created nothing (it refused the request, or it was never sent).
import { normalizeDomain, type AccountIdentityRule } from '../../domain/sources/account-identity';
import { DeliveryError } from '../../ports/send-ledger';
import { SourceError } from '../../ports/source-error';
import type { TaskCommand, TaskTracker } from '../../ports/task-tracker';
import type { SalesforceSourceDefinition } from '../../domain/sources/registry';
import type { SecretResolver } from '../sources/http/credentials';
import { salesforceApiFor, soqlString, type SalesforceApi, type SalesforceHttpHooks } from '../sources/salesforce/api';

export interface SalesforceTaskTrackerOptions {
  api: SalesforceApi;
  /** The Salesforce source's name: its unmatched accounts are `<name>:<Account Id>`. */
  sourceName: string;
  /** The Salesforce source's identity rules. */
  identity: readonly AccountIdentityRule[];
  /** The billing e-mail domains of a Pulse account, for the `domain` rule (absent: that rule finds nothing). */
  domainsOf?: (accountId: string) => Promise<readonly string[]>;
  /** Task Status of a new task (default "Not Started") and of a completed one (default "Completed"). */
  openStatus?: string;
  completedStatus?: string;
}

/** A record id as it may stand in a path (Salesforce's are 15 or 18 letters and digits). */
const SALESFORCE_ID = /^[A-Za-z0-9]{1,18}$/;

export class SalesforceTaskTracker implements TaskTracker {
  readonly system = 'salesforce';

  constructor(private readonly opts: SalesforceTaskTrackerOptions) {}

  async send(command: TaskCommand): Promise<{ messageId: string }> {
    if (command.action === 'open') return { messageId: await this.open(command) };
    const note = command.note.trim();
    if (command.action === 'reschedule') {
      await this.update(command.taskId, { ActivityDate: command.dueDate }, note, 'reschedule');
    } else {
      await this.update(command.taskId, { Status: this.opts.completedStatus ?? 'Completed' }, note, 'complete');
    }
    return { messageId: command.taskId };
  }

  private async open(c: Extract<TaskCommand, { action: 'open' }>): Promise<string> {
    let whatId: string | undefined;
    let ownerId: string | undefined;
    try {
      whatId = await this.findAccount(c.accountId);
      ownerId = c.ownerEmail ? await this.findUser(c.ownerEmail) : undefined;
    } catch (err) {
      throw new DeliveryError(
        `Salesforce task for alert ${c.alertId}: could not look up the Account or owner: ${(err as Error).message}`,
        true,
        { cause: err },
      );
    }
    const notes = [
      ...(whatId
        ? []
        : [
            `Pulse account ${c.accountId} (${c.accountName}) was not found in Salesforce; ` +
              'the task is not linked to an Account.',
          ]),
      ...(c.ownerEmail && !ownerId ? [`Owner ${c.ownerEmail} is not an active Salesforce user.`] : []),
    ];
    const task = {
      Subject: c.subject.slice(0, 255),
      Description: [c.body, ...notes, `Pulse alert ${c.alertId}`].join('\n\n'),
      ActivityDate: c.dueDate,
      Status: this.opts.openStatus ?? 'Not Started',
      Priority: c.priority === 'high' ? 'High' : 'Normal',
      ...(whatId ? { WhatId: whatId } : {}),
      ...(ownerId ? { OwnerId: ownerId } : {}),
    };
    const api = this.opts.api;
    try {
      const res = await api.request(
        'POST',
        api.dataPath('/sobjects/Task'),
        task,
        `create a Task for alert ${c.alertId}`,
        { once: true },
      );
      const id = (res.body as { id?: unknown } | null)?.id;
      if (typeof id !== 'string')
        throw new DeliveryError(`Salesforce created a Task for alert ${c.alertId} but answered without its id`, false);
      return id;
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      throw new DeliveryError(`Salesforce task for alert ${c.alertId}: ${(err as Error).message}`, refused(err), {
        cause: err,
      });
    }
  }

  /** Moves the due date or completes the task, appending the note to its description. */
  private async update(taskId: string, fields: Record<string, string>, note: string, what: string): Promise<void> {
    const api = this.opts.api;
    if (!SALESFORCE_ID.test(taskId))
      throw new DeliveryError(`Salesforce task ${what}: "${taskId}" is not a Salesforce id`, true);
    const path = api.dataPath(`/sobjects/Task/${taskId}`);
    try {
      let description: string | undefined;
      if (note) {
        const current = await api.request('GET', `${path}?fields=Description`, undefined, `read Task ${taskId}`);
        const before = (current.body as { Description?: unknown } | null)?.Description;
        description = [typeof before === 'string' ? before : '', note].filter(Boolean).join('\n\n');
      }
      await api.request(
        'PATCH',
        path,
        { ...fields, ...(description !== undefined ? { Description: description } : {}) },
        `${what} Task ${taskId}`,
      );
    } catch (err) {
      throw new DeliveryError(`Salesforce task ${taskId} (${what}): ${(err as Error).message}`, refused(err), {
        cause: err,
      });
    }
  }

  private async findAccount(accountId: string): Promise<string | undefined> {
    const prefix = `${this.opts.sourceName}:`;
    if (accountId.startsWith(prefix)) {
      const id = accountId.slice(prefix.length);
      return SALESFORCE_ID.test(id) ? id : undefined;
    }
    const api = this.opts.api;
    for (const rule of this.opts.identity) {
      if (rule.by === 'field') {
        const found = await api.first(`SELECT Id FROM Account WHERE ${rule.field} = ${soqlString(accountId)} LIMIT 1`);
        if (found) return String(found.Id);
        continue;
      }
      for (const raw of (await this.opts.domainsOf?.(accountId)) ?? []) {
        const domain = normalizeDomain(raw);
        if (!domain) continue;
        // LIKE narrows; the normalised Website must be the domain itself (not a longer one containing it).
        const ids: string[] = [];
        for await (const page of api.query(
          `SELECT Id, Website FROM Account WHERE Website LIKE ${soqlString(`%${domain}%`)} LIMIT 20`,
        )) {
          for (const a of page)
            if (typeof a.Website === 'string' && normalizeDomain(a.Website) === domain) ids.push(String(a.Id));
        }
        // Two Accounts with the same website are a guess either way.
        if (ids.length === 1) return ids[0];
      }
    }
    return undefined;
  }

  private async findUser(email: string): Promise<string | undefined> {
    const found = await this.opts.api.first(
      `SELECT Id FROM User WHERE Email = ${soqlString(email.trim())} AND IsActive = true LIMIT 1`,
    );
    return found ? String(found.Id) : undefined;
  }
}

/** Salesforce answered and refused (a 4xx): nothing was created or changed. */
function refused(err: unknown): boolean {
  if (err instanceof SourceError)
    return (err.status !== undefined && err.status < 500) || err.code === 'NO_CREDENTIALS';
  return false;
}

/** The task tracker of a configured Salesforce source: the same org, sign-in and identity rules. */
export function salesforceTaskTracker(
  def: SalesforceSourceDefinition,
  deps: {
    env: Readonly<Record<string, string | undefined>>;
    secrets: SecretResolver;
    hooks?: SalesforceHttpHooks;
    domainsOf?: (accountId: string) => Promise<readonly string[]>;
  },
): SalesforceTaskTracker {
  return new SalesforceTaskTracker({
    api: salesforceApiFor(def, { env: deps.env, secrets: deps.secrets, ...(deps.hooks ? { hooks: deps.hooks } : {}) }),
    sourceName: def.name,
    identity: def.identity,
    ...(deps.domainsOf ? { domainsOf: deps.domainsOf } : {}),
  });
}
