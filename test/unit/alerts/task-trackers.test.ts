// notifications.crmTasks builds the tracker of the source it names: HubSpot or Salesforce, none
// without the option; the config refuses a source that does not exist or has another connector.
import { describe, expect, it } from 'vitest';
import { taskTrackerFor } from '../../../functions/adapters/crm/task-trackers';
import { EnvSecrets } from '../../../functions/adapters/sources/http/credentials';
import { ConfigError, parseConfig } from '../../../functions/config';
import { baseConfig } from './helpers';

const deps = { env: {}, secrets: new EnvSecrets({}) };
const sources = [
  { name: 'crm', connector: 'hubspot', entities: ['accounts'] },
  {
    name: 'sfdc',
    connector: 'salesforce',
    entities: ['accounts'],
    salesforce: { instanceUrl: 'https://northwind.my.salesforce.com' },
  },
];

function configWith(crmTasks: unknown) {
  return parseConfig({ ...baseConfig, sources, notifications: { crmTasks } });
}

describe('CRM task trackers from the config', () => {
  it('builds the HubSpot or the Salesforce tracker of the named source, with the due-day defaults', () => {
    const hub = configWith({ system: 'hubspot', source: 'crm' });
    expect(hub.notifications.crmTasks?.dueInDays).toEqual({ critical: 2, warning: 7 });
    expect(taskTrackerFor(hub, deps)?.system).toBe('hubspot');
    expect(taskTrackerFor(configWith({ system: 'salesforce', source: 'sfdc' }), deps)?.system).toBe('salesforce');
    expect(taskTrackerFor(parseConfig({ ...baseConfig, sources }), deps)).toBeUndefined();
  });

  it('refuses a source that is not configured, or of another connector, naming the path', () => {
    for (const [crm, message] of [
      [{ system: 'hubspot', source: 'nope' }, 'names no configured source'],
      [{ system: 'hubspot', source: 'sfdc' }, 'is a salesforce source, not hubspot'],
    ] as const) {
      try {
        configWith(crm);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).problems.join('\n')).toContain(
          `notifications.crmTasks.source: ${message === 'names no configured source' ? 'names no configured source ("nope")' : '"sfdc" is a salesforce source, not hubspot'}`,
        );
      }
    }
  });
});
