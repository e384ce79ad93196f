// Module-scope wiring of the alert actions for the deployed functions: the e-mails' signed links
// (the alert job, when the stack gave it PULSE_ALERT_ACTIONS_URL and the link signing key) and the
// CRM task tracker of notifications.crmTasks (credentials from Secrets Manager or the environment).
import { taskTrackerFor } from '../adapters/crm/task-trackers';
import { SecretsManagerLinkKeys } from '../adapters/secrets/link-keys';
import { secretsManagerClient } from './runtime';
import { EnvSecrets, SecretChain, SecretsManagerSecrets } from '../adapters/sources/http/credentials';
import { actionLinkMaker, type ActionLinkMaker } from '../app/alert-action-links';
import type { CrmTaskSettings } from '../app/crm-tasks';
import type { PulseConfig } from '../config';
import type { TaskTracker } from '../ports/task-tracker';

let linkKeys: SecretsManagerLinkKeys | undefined;
let tasks: { tracker: TaskTracker; settings: CrmTaskSettings } | null | undefined;

/** The action links of this run's e-mails; undefined when the stack has no action endpoint. */
export async function getAlertActionLinks(
  config: PulseConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ maker: ActionLinkMaker; snoozeDays: number } | undefined> {
  const baseUrl = env.PULSE_ALERT_ACTIONS_URL;
  const secretId = env.PULSE_LINK_SECRET_ID;
  if (!baseUrl || !secretId) return undefined;
  linkKeys ??= new SecretsManagerLinkKeys(secretsManagerClient(), secretId);
  const snoozeDays = config.alerts.snooze.defaultDays;
  return { maker: actionLinkMaker({ baseUrl, signingKey: await linkKeys.current(), snoozeDays }), snoozeDays };
}

/** The CRM tasks of notifications.crmTasks; undefined when not configured. */
export function getCrmTasks(config: PulseConfig): { tracker: TaskTracker; settings: CrmTaskSettings } | undefined {
  if (tasks === undefined) {
    const crm = config.notifications.crmTasks;
    const tracker = crm
      ? taskTrackerFor(config, {
          env: process.env,
          secrets: new SecretChain([new EnvSecrets(), new SecretsManagerSecrets(secretsManagerClient())]),
        })
      : undefined;
    tasks = tracker && crm ? { tracker, settings: { dueInDays: crm.dueInDays } } : null;
  }
  return tasks ?? undefined;
}
