// `--crm-fake hubspot|salesforce` (pulse demo, pulse alerts run|serve|snooze): the alerts' CRM tasks
// (notifications.crmTasks) go to a loopback fake of that CRM's API (lib/local/fake-hubspot.ts,
// lib/local/fake-salesforce.ts, the fakes the tests use), started for the command. Its records live
// in .pulse/crm/<system>.json, saved after every change, so the tasks the demo opened are there for
// `pulse alerts serve --crm-fake ...` to move when a snooze link is clicked, and to read by hand.
// The demo seeds it with one company (Account) per demo account, named by the source's identity
// field, and one user per account owner: the tasks are associated and assigned as in a real CRM.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PulseConfig } from '../../functions/config';
import type { Account } from '../../functions/domain/contract/entities';
import { sourceSchema } from '../../functions/domain/sources/registry';
import { FakeHubSpotPortal, startFakeHubSpot, type FakeHubSpotPortalJson } from '../../lib/local/fake-hubspot';
import { startFakeSalesforce, type FakeRecord } from '../../lib/local/fake-salesforce';
import { CliError } from './context';
import { LOCAL_DATA_DIR } from './local';

export const CRM_FAKE_SYSTEMS = ['hubspot', 'salesforce'] as const;
export type CrmFakeSystem = (typeof CRM_FAKE_SYSTEMS)[number];

/** The source the fake's tasks go through (added to the config for the command). */
export const CRM_FAKE_SOURCE = 'crm-fake';
const TOKENS: Record<CrmFakeSystem, { env: string; value: string }> = {
  hubspot: { env: 'PULSE_CRM_FAKE_HUBSPOT_TOKEN', value: 'pat-na1-pulse-demo' },
  salesforce: { env: 'PULSE_CRM_FAKE_SALESFORCE_TOKEN', value: '00Dfake!pulse-demo' },
};

export interface CrmFake {
  system: CrmFakeSystem;
  url: string;
  /** Where its records are kept (absolute). */
  file: string;
  /** The tasks it holds now. */
  tasks(): unknown[];
  /** The config with notifications.crmTasks going to this fake (and its token in the environment). */
  configure(config: PulseConfig): PulseConfig;
  close(): Promise<void>;
}

export function crmFakeSystem(value: string | undefined): CrmFakeSystem | undefined {
  if (value === undefined) return undefined;
  if ((CRM_FAKE_SYSTEMS as readonly string[]).includes(value)) return value as CrmFakeSystem;
  throw new CliError(`--crm-fake "${value}": choose ${CRM_FAKE_SYSTEMS.join(' or ')}`);
}

export const crmFakeFile = (system: CrmFakeSystem): string => resolve(LOCAL_DATA_DIR, 'crm', `${system}.json`);

/** Starts the fake with the records of the last session (if any), plus a company and user for each account given. */
export async function startCrmFake(system: CrmFakeSystem, accounts: readonly Account[] = []): Promise<CrmFake> {
  const file = crmFakeFile(system);
  mkdirSync(join(file, '..'), { recursive: true });
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
  const save = (json: unknown) => writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  const token = TOKENS[system];
  const configure = (sourceSettings: Record<string, unknown>) => (config: PulseConfig) => {
    process.env[token.env] = token.value;
    const source = sourceSchema.parse({
      name: CRM_FAKE_SOURCE,
      connector: system,
      schedule: 'manual',
      [system]: { ...sourceSettings, tokenEnv: token.env },
    });
    const dueInDays = config.notifications.crmTasks?.dueInDays ?? { critical: 2, warning: 7 };
    return {
      ...config,
      sources: [...config.sources.filter((s) => s.name !== CRM_FAKE_SOURCE), source],
      notifications: { ...config.notifications, crmTasks: { system, source: CRM_FAKE_SOURCE, dueInDays } },
    };
  };

  if (system === 'hubspot') {
    const portal = saved ? FakeHubSpotPortal.fromJSON(saved as FakeHubSpotPortalJson) : new FakeHubSpotPortal();
    seedHubSpot(portal, accounts);
    save(portal.toJSON());
    const fake = await startFakeHubSpot(portal, { tokens: [token.value], onChange: (p) => save(p.toJSON()) });
    return {
      system,
      url: fake.url,
      file,
      tasks: () => portal.toJSON().tasks,
      configure: configure({ apiBase: fake.url }),
      close: () => fake.close(),
    };
  }
  const records = (saved as Record<string, FakeRecord[]> | undefined) ?? {};
  seedSalesforce(records, accounts);
  save(records);
  const fake = await startFakeSalesforce({ records, tokens: [token.value], onChange: (r) => save(r) });
  save(fake.records);
  return {
    system,
    url: fake.url,
    file,
    tasks: () => fake.records.Task ?? [],
    configure: configure({ instanceUrl: fake.url }),
    close: () => fake.close(),
  };
}

/** A company per account not there yet (pulse_account_id, the source's identity field) and an owner per e-mail. */
function seedHubSpot(portal: FakeHubSpotPortal, accounts: readonly Account[]): void {
  const known = new Set([...portal.objects.companies.values()].map((c) => c.properties.pulse_account_id));
  for (const a of accounts) {
    if (known.has(a.accountId)) continue;
    portal.add('companies', {
      name: a.name,
      pulse_account_id: a.accountId,
      ...(a.segment ? { segment: a.segment } : {}),
    });
  }
  const emails = new Set(portal.owners.map((o) => o.email.toLowerCase()));
  for (const email of new Set(accounts.flatMap((a) => (a.ownerEmail ? [a.ownerEmail.toLowerCase()] : [])))) {
    if (emails.has(email)) continue;
    portal.owners.push({ id: String(101 + portal.owners.length), email });
  }
}

/** An Account per account not there yet (Pulse_Account_Id__c, the source's identity field) and an active User per owner. */
function seedSalesforce(records: Record<string, FakeRecord[]>, accounts: readonly Account[]): void {
  const list = (object: string) => (records[object] ??= []);
  const known = new Set(list('Account').map((r) => r.Pulse_Account_Id__c));
  for (const a of accounts) {
    if (known.has(a.accountId)) continue;
    list('Account').push({
      Id: `001${String(list('Account').length + 1).padStart(15, '0')}`,
      Name: a.name,
      Pulse_Account_Id__c: a.accountId,
    });
  }
  const emails = new Set(list('User').map((u) => String(u.Email).toLowerCase()));
  for (const email of new Set(accounts.flatMap((a) => (a.ownerEmail ? [a.ownerEmail.toLowerCase()] : [])))) {
    if (emails.has(email)) continue;
    list('User').push({ Id: `005${String(list('User').length + 1).padStart(15, '0')}`, Email: email, IsActive: true });
  }
  list('Task');
}

/**
 * Runs a command with its config's CRM tasks going to the fake `--crm-fake` names (none: as
 * configured), seeded with these accounts (a command that opens tasks passes the stored ones).
 */
export async function withCrmFake<T>(
  value: string | undefined,
  config: PulseConfig,
  fn: (config: PulseConfig, fake: CrmFake | undefined) => Promise<T>,
  accounts: readonly Account[] = [],
): Promise<T> {
  const system = crmFakeSystem(value);
  if (!system) return fn(config, undefined);
  const fake = await startCrmFake(system, accounts);
  try {
    return await fn(fake.configure(config), fake);
  } finally {
    await fake.close();
  }
}
