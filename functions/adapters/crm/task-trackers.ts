// The TaskTracker notifications.crmTasks asks for, built from the configured source it names: the
// same API base, credentials (an environment variable locally, Secrets Manager in AWS) and
// identity rules as that source's sync (functions/adapters/crm/*-tasks.ts).
import type { PulseConfig } from '../../config';
import type { TaskTracker } from '../../ports/task-tracker';
import type { SecretResolver } from '../sources/http/credentials';
import { hubspotTaskTracker } from './hubspot-tasks';
import { salesforceTaskTracker } from './salesforce-tasks';

export interface TaskTrackerDeps {
  env: Readonly<Record<string, string | undefined>>;
  secrets: SecretResolver;
}

/** Undefined when notifications.crmTasks is not configured. */
export function taskTrackerFor(config: PulseConfig, deps: TaskTrackerDeps): TaskTracker | undefined {
  const tasks = config.notifications.crmTasks;
  if (!tasks) return undefined;
  // The config schema checked that the source exists and has this connector.
  const source = config.sources.find((s) => s.name === tasks.source);
  if (source?.connector === 'salesforce') return salesforceTaskTracker(source, deps);
  if (source?.connector === 'hubspot') return hubspotTaskTracker(source, config.company.timezone, deps);
  throw new Error(`notifications.crmTasks.source: "${tasks.source}" is not a ${tasks.system} source`);
}
