// Weekly compute: on Monday's schedule, compute the last complete week from the store and save its
// KPI snapshots. The schedule's scheduled time (not the invocation) decides the week, so a retried
// or duplicated event recomputes the same week and overwrites the same snapshots.
import { computeWeek } from '../app/compute-week';
import { todayIn } from '../domain/dates';
import { kpiSettingsFrom, resolveAsOf } from '../domain/kpi';
import { instrumented, logger } from '../adapters/observability/powertools';
import { beginInvocation, getRuntime, type InvocationContext } from './runtime';

export interface ComputeWeekEvent {
  /** EventBridge Scheduler's `<aws.scheduler.scheduled-time>` (ISO instant). */
  scheduledTime?: string;
  /** Recompute a given week instead: any date in the week after it, or its last day. */
  asOf?: string;
  /** Also recompute this many earlier weeks (backfill). */
  history?: number;
}

export async function handler(event: ComputeWeekEvent = {}, context?: InvocationContext) {
  return instrumented('compute-week', context, () => compute(event, context));
}

async function compute(event: ComputeWeekEvent, context: InvocationContext | undefined) {
  beginInvocation(context);
  const { config, store, runLedger } = getRuntime();
  const settings = kpiSettingsFrom(config);
  const runDate =
    event.asOf ?? todayIn(config.company.timezone, event.scheduledTime ? new Date(event.scheduledTime) : new Date());
  const asOf = resolveAsOf(runDate, settings.weekStartsOn);
  const result = await computeWeek(store, settings, {
    asOf,
    history: event.history ?? 0,
    computedAt: new Date().toISOString(),
    runLedger,
    trigger: event.scheduledTime ? 'schedule' : 'invoke',
  });
  const summary = {
    week: result.week,
    asOf,
    snapshots: result.snapshotsWritten,
    segments: [...result.segments.keys()],
  };
  logger.info('week computed', summary);
  return summary;
}
