// Alert tasks in HubSpot: a task (POST /crm/v3/objects/tasks) associated with the account's company
// (task-to-company association type 192), assigned to the owner when HubSpot has an owner with
// that e-mail, due at 09:00 on the play's date in the company's time zone. The company is found the
// way the HubSpot source names it: `<source>:<id>` is the company itself, else the identity rules in
// order (a property holding the Pulse id, then the billing e-mail domains against the company's
// domain). A task whose company is not found is still created, unassociated, and says so.
//
// Exactly once is the send ledger's job (functions/app/send-once.ts); here the create is sent once
// (retried only after a 429, which HubSpot refused; never after a timeout or a 5xx: the task may
// exist), and a DeliveryError says `notSent` only when HubSpot surely created or changed nothing.
// A reschedule or completion PATCHes the whole new body (the note appended), so a retried PATCH
// writes the same task again instead of appending twice.
import { Temporal } from 'temporal-polyfill';
import { normalizeDomain } from '../../domain/sources/account-identity';
import type { HubSpotSourceDefinition } from '../../domain/sources/registry';
import { DeliveryError } from '../../ports/send-ledger';
import type { TaskCommand, TaskTracker } from '../../ports/task-tracker';
import type { SecretResolver } from '../sources/http/credentials';
import {
  hubSpotApiFor,
  type HubSpotApi,
  type HubSpotApiOptions,
  type HubSpotObject,
  type HubSpotPage,
} from '../sources/hubspot/api';
import { hubspotToken } from '../sources/hubspot/token';

/** HubSpot's association type of a task to its company. */
export const TASK_TO_COMPANY = 192;
/** A HubSpot record id as it may stand in a path. */
const HUBSPOT_ID = /^\d{1,20}$/;
/** Attempts of a create that HubSpot throttled (429: surely not created). */
const CREATE_ATTEMPTS = 5;

export interface HubSpotTaskTrackerOptions {
  definition: HubSpotSourceDefinition;
  /** The company's IANA time zone: a due date is 09:00 there. */
  timeZone: string;
  token: () => Promise<{ token: string; from: string } | undefined>;
  /** The billing e-mail domains of a Pulse account, for the `domain` rule (absent: that rule finds nothing). */
  domainsOf?: (accountId: string) => Promise<readonly string[]>;
  /** Test hooks. */
  fetch?: HubSpotApiOptions['fetch'];
  sleep?: HubSpotApiOptions['sleep'];
  now?: HubSpotApiOptions['now'];
}

export class HubSpotTaskTracker implements TaskTracker {
  readonly system = 'hubspot';
  private api?: HubSpotApi;

  constructor(private readonly opts: HubSpotTaskTrackerOptions) {}

  async send(command: TaskCommand): Promise<{ messageId: string }> {
    const api = await this.client();
    if (command.action === 'open') return { messageId: await this.open(api, command) };
    const note = command.note.trim();
    if (command.action === 'reschedule')
      await this.update(api, command.taskId, { hs_timestamp: this.dueAt(command.dueDate) }, note, 'reschedule');
    else await this.update(api, command.taskId, { hs_task_status: 'COMPLETED' }, note, 'complete');
    return { messageId: command.taskId };
  }

  private async client(): Promise<HubSpotApi> {
    if (this.api) return this.api;
    const cfg = this.opts.definition.hubspot;
    const token = await this.opts.token();
    if (!token) {
      throw new DeliveryError(
        `HubSpot tasks: no token (locally: export ${cfg.tokenEnv}=...; ` +
          `in AWS: set hubspot.secretName of source "${this.opts.definition.name}")`,
        true,
      );
    }
    this.api = hubSpotApiFor(cfg, token, {
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
      ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}),
      ...(this.opts.now ? { now: this.opts.now } : {}),
    });
    return this.api;
  }

  /** 09:00 on the date in the company's time zone, as HubSpot's hs_timestamp (ISO 8601, UTC). */
  private dueAt(date: string): string {
    return Temporal.PlainDate.from(date)
      .toZonedDateTime({ timeZone: this.opts.timeZone, plainTime: '09:00' })
      .toInstant()
      .toString();
  }

  private async open(api: HubSpotApi, c: Extract<TaskCommand, { action: 'open' }>): Promise<string> {
    let companyId: string | undefined;
    let ownerId: string | undefined;
    try {
      companyId = await this.findCompany(api, c.accountId);
      ownerId = c.ownerEmail ? await api.ownerIdByEmail(c.ownerEmail) : undefined;
    } catch (err) {
      throw new DeliveryError(
        `HubSpot task for alert ${c.alertId}: could not look up the company or owner: ${(err as Error).message}`,
        true,
        { cause: err },
      );
    }
    const notes = [
      ...(companyId
        ? []
        : [
            `Pulse account ${c.accountId} (${c.accountName}) was not found in HubSpot; ` +
              'the task is not associated with a company.',
          ]),
      ...(c.ownerEmail && !ownerId ? [`Owner ${c.ownerEmail} is not a HubSpot user.`] : []),
    ];
    const body = {
      properties: {
        hs_task_subject: c.subject,
        hs_task_body: html([c.body, ...notes, `Pulse alert ${c.alertId}`].join('\n\n')),
        hs_timestamp: this.dueAt(c.dueDate),
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: c.priority === 'high' ? 'HIGH' : 'MEDIUM',
        hs_task_type: 'TODO',
        ...(ownerId ? { hubspot_owner_id: ownerId } : {}),
      },
      ...(companyId
        ? {
            associations: [
              {
                to: { id: companyId },
                types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TASK_TO_COMPANY }],
              },
            ],
          }
        : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const task = await api.request<HubSpotObject>('POST', '/crm/v3/objects/tasks', body, true);
        return String(task.id);
      } catch (err) {
        // A 429 was refused (the budget is paused in the client until HubSpot's interval passes).
        if (api.lastStatus === 429 && attempt < CREATE_ATTEMPTS) continue;
        throw this.failure(api, err, `creating the task for alert ${c.alertId}`);
      }
    }
  }

  /** GET the body, then PATCH the change with the note appended. */
  private async update(
    api: HubSpotApi,
    taskId: string,
    change: Record<string, string>,
    note: string,
    what: string,
  ): Promise<void> {
    if (!HUBSPOT_ID.test(taskId))
      throw new DeliveryError(`HubSpot task "${taskId}" is not a HubSpot record id (${what})`, true);
    let body: string;
    try {
      const task = await api.request<HubSpotObject>('GET', `/crm/v3/objects/tasks/${taskId}?properties=hs_task_body`);
      body = task.properties.hs_task_body ?? '';
    } catch (err) {
      throw this.failure(api, err, `reading task ${taskId} (${what})`, true);
    }
    const properties = {
      ...change,
      ...(note ? { hs_task_body: `${body}${body ? '<br><br>' : ''}${html(note)}` } : {}),
    };
    try {
      await api.request('PATCH', `/crm/v3/objects/tasks/${taskId}`, { properties });
    } catch (err) {
      throw this.failure(api, err, `updating task ${taskId} (${what})`);
    }
  }

  /** `notSent`: HubSpot answered with a refusal, or the request never reached it; else the outcome is unknown. */
  private failure(api: HubSpotApi, err: unknown, what: string, readOnly = false): DeliveryError {
    const status = api.lastStatus;
    const refused = status !== undefined && status >= 400 && status < 500;
    const neverSent = status === undefined && api.lastErrorCode === 'ECONNREFUSED';
    const message = err instanceof Error ? err.message : String(err);
    return new DeliveryError(`HubSpot tasks: ${what}: ${message}`, readOnly || refused || neverSent, { cause: err });
  }

  /** The company a Pulse account is in HubSpot, or undefined. */
  private async findCompany(api: HubSpotApi, accountId: string): Promise<string | undefined> {
    const prefix = `${this.opts.definition.name}:`;
    if (accountId.startsWith(prefix)) {
      const id = accountId.slice(prefix.length);
      return HUBSPOT_ID.test(id) ? id : undefined;
    }
    for (const rule of this.opts.definition.identity) {
      if (rule.by === 'field') {
        const id = await this.oneCompany(api, rule.field, accountId);
        if (id) return id;
      } else if (this.opts.domainsOf) {
        for (const raw of await this.opts.domainsOf(accountId)) {
          const domain = normalizeDomain(raw);
          const id = domain ? await this.oneCompany(api, 'domain', domain) : undefined;
          if (id) return id;
        }
      }
    }
    return undefined;
  }

  /** The one company whose property equals the value; none when there is none or more than one (never a guess). */
  private async oneCompany(api: HubSpotApi, property: string, value: string): Promise<string | undefined> {
    const page = await api.request<HubSpotPage<HubSpotObject>>('POST', '/crm/v3/objects/companies/search', {
      filterGroups: [{ filters: [{ propertyName: property, operator: 'EQ', value }] }],
      properties: [property],
      limit: 2,
    });
    const results = page.results ?? [];
    return results.length === 1 ? String(results[0]!.id) : undefined;
  }
}

/** Plain text as a task body (HubSpot shows it as HTML): escaped, line breaks kept. */
function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}

export interface HubSpotTaskTrackerDeps {
  env: Readonly<Record<string, string | undefined>>;
  secrets: SecretResolver;
  domainsOf?: (accountId: string) => Promise<readonly string[]>;
}

/** The tracker for a configured HubSpot source: its API base, token and identity rules. */
export function hubspotTaskTracker(
  def: HubSpotSourceDefinition,
  timeZone: string,
  deps: HubSpotTaskTrackerDeps,
): HubSpotTaskTracker {
  return new HubSpotTaskTracker({
    definition: def,
    timeZone,
    token: () => hubspotToken(def, deps.env, deps.secrets),
    ...(deps.domainsOf ? { domainsOf: deps.domainsOf } : {}),
  });
}
