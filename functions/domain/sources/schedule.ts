// When sources run: the ingest job is invoked once per distinct daily time (the default ingest
// time plus each source's own `schedule.time`); each invocation runs the sources due at its
// scheduled time, read back in the company's time zone.
import { Temporal } from 'temporal-polyfill';
import { dailyTimeOf, type SourceDefinition } from './registry';

interface ScheduleConfig {
  company: { timezone: string };
  schedules: { ingest: { time: string } };
  sources: SourceDefinition[];
}

/** Every distinct local time the ingest job runs at; the default ingest time first. */
export function ingestTimes(config: ScheduleConfig): string[] {
  const times = new Set<string>([config.schedules.ingest.time]);
  for (const s of config.sources) {
    const t = dailyTimeOf(s, config.schedules.ingest.time);
    if (t) times.add(t);
  }
  return [...times];
}

/** `HH:MM` of an instant in a time zone; undefined when the instant is not a valid time. */
export function localTimeOf(instant: string, timeZone: string): string | undefined {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return undefined;
  const t = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone);
  return `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
}

/**
 * The sources a scheduled invocation should run: those whose daily time is the scheduled time's
 * local HH:MM. Without a (readable) scheduled time, i.e. a manual invocation: every scheduled source.
 */
export function dueSources(config: ScheduleConfig, scheduledTime: string | undefined): SourceDefinition[] {
  const at = scheduledTime ? localTimeOf(scheduledTime, config.company.timezone) : undefined;
  return config.sources.filter((s) => {
    const t = dailyTimeOf(s, config.schedules.ingest.time);
    return t !== undefined && (at === undefined || t === at);
  });
}
