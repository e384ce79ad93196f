// What wakes the operator: an SNS topic (email subscriptions from config `recipients.operator`)
// and alarms on every function (errors, throttles), every dead-letter queue, the SES reputation
// rates, every kind of run that ends failed in the run ledger, and a dead-man's switch on the
// weekly report.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  type CfnAlarm,
  ComparisonOperator,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  RUNS_FAILED_METRIC,
  WEEKLY_REPORT_SENT_METRIC,
  alarmDimensions,
} from '../../functions/adapters/observability/metrics';
import { RUN_KINDS, type RunKind } from '../../functions/ports/run-ledger';
import { acknowledge } from './nag';
import type { ScheduledJob } from './scheduled-job';

export { RUNS_FAILED_METRIC, WEEKLY_REPORT_SENT_METRIC };

/** What a failed run of each kind means, and where to look (the RunFailed alarms' descriptions). */
const RUN_FAILED_MEANS: Record<RunKind, string> = {
  ingest:
    'an ingest of a source stopped or some of its files failed (rows may be missing until a rerun; files that failed stay in incoming/ or go to failed/<runId>/)',
  compute: 'the weekly KPI snapshots were not all computed',
  report:
    'the weekly report was held back (stale or inconsistent data) or a send failed (recipients whose outcome is unknown are left claimed: never sent twice by themselves)',
  alerts: 'the renewal-risk alerts were not all evaluated or sent',
  archive:
    "the week's finance pack was not written completely (an incomplete version is never listed; the next run writes a complete one)",
};

/** SES reputation thresholds: AWS reviews an account at 5 % bounces / 0.1 % complaints (and may pause it at 10 % / 0.5 %). */
export const SES_RATE_THRESHOLDS = { bounceRate: 0.05, complaintRate: 0.001 } as const;

export interface MonitoringProps {
  /** Email addresses subscribed to the operator topic (each must confirm the subscription). */
  readonly operatorEmails: readonly string[];
  /** Value of the Stage dimension of the Pulse/* metrics. */
  readonly stage: string;
  /** The company's IANA time zone: the dead-man's switch counts whole local days. */
  readonly timeZone: string;
  /**
   * Whether the dead-man's switch notifies. It is created either way; notifying before a
   * weekly-report function exists would only page the operator every day.
   * @default true
   */
  readonly deadMansSwitchActionsEnabled?: boolean;
  /** @default SES_RATE_THRESHOLDS */
  readonly sesThresholds?: { bounceRate?: number; complaintRate?: number };
}

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  /** ALARM when no weekly report was recorded on any of the last 7 whole days (company time zone). */
  readonly deadMansSwitch: Alarm;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, 'OperatorTopic', { displayName: `Pulse ${props.stage} alarms`, enforceSSL: true });
    for (const email of props.operatorEmails) this.topic.addSubscription(new EmailSubscription(email));
    acknowledge(
      this.topic,
      'NIST.800.53.R5-SNSEncryptedKMS',
      'The operator topic carries alarm state changes (alarm names, thresholds, metric values), no customer data; CloudWatch alarms publish to an SSE-KMS topic only through a customer-managed key whose policy admits cloudwatch.amazonaws.com, and messages are TLS-only (enforceSSL).',
    );
    acknowledge(
      this.topic,
      'Serverless-SNSRedrivePolicy',
      `The subscriptions are the operator's email addresses (${props.operatorEmails.length}); SNS retries email delivery itself, an alarm stays in ALARM state in CloudWatch whether or not its email arrived, and nobody would read a dead-letter queue of undelivered alarm emails.`,
    );
    this.action = new SnsAction(this.topic);

    // Dead-man's switch. Daily Sum of Pulse/WeeklyReportSent, evaluated over whole days of the
    // company's time zone (wall-clock window: only complete days count, so the day of the report
    // is judged at local midnight, after the report had all day to go out). 7 of 7 days below 1,
    // with no data counting as breaching: the alarm fires at the midnight that ends the report
    // day if no report went out on it nor on the six days before, and clears at the midnight after
    // the next report.
    const sent = new Metric({
      namespace: WEEKLY_REPORT_SENT_METRIC.namespace,
      metricName: WEEKLY_REPORT_SENT_METRIC.metricName,
      dimensionsMap: alarmDimensions(props.stage),
      statistic: 'Sum',
      period: Duration.days(1),
    });
    this.deadMansSwitch = this.alarm('WeeklyReportMissing', sent, {
      description: `No Pulse weekly report was recorded (${WEEKLY_REPORT_SENT_METRIC.namespace}/${WEEKLY_REPORT_SENT_METRIC.metricName}, Stage=${props.stage}) on any of the last 7 whole days in ${props.timeZone}: the weekly report did not go out.`,
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 7,
      datapointsToAlarm: 7,
      treatMissingData: TreatMissingData.BREACHING,
      actionsEnabled: props.deadMansSwitchActionsEnabled ?? true,
    });
    (this.deadMansSwitch.node.defaultChild as CfnAlarm).evaluationWindow = {
      wallClockWindow: { timezone: props.timeZone },
    };

    this.watchRuns(props.stage);

    const thresholds = { ...SES_RATE_THRESHOLDS, ...props.sesThresholds };
    const reputation = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    this.alarm('SesBounceRate', reputation('Reputation.BounceRate'), {
      description: `SES bounce rate of the account is at or above ${thresholds.bounceRate * 100} % (AWS reviews the account at 5 % and may pause sending at 10 %). Check the recipients in pulse.config.json and the bounce notifications.`,
      threshold: thresholds.bounceRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    this.alarm('SesComplaintRate', reputation('Reputation.ComplaintRate'), {
      description: `SES complaint rate of the account is at or above ${thresholds.complaintRate * 100} % (AWS reviews the account at 0.1 % and may pause sending at 0.5 %). Someone marked a Pulse email as spam.`,
      threshold: thresholds.complaintRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /**
   * One alarm per kind of run on Pulse/RunsFailed (Stage, Kind): the run ledger recorded a run that
   * ended `failed` (the Lambda runtime publishes it, functions/adapters/cloudwatch/emf-run-metrics.ts).
   * Also catches failures that throw nothing (a file that failed while the others loaded, a report
   * held back). Created for every kind: a kind no job runs never fires.
   */
  private watchRuns(stage: string): void {
    for (const kind of RUN_KINDS) {
      const failed = new Metric({
        namespace: RUNS_FAILED_METRIC.namespace,
        metricName: RUNS_FAILED_METRIC.metricName,
        dimensionsMap: alarmDimensions(stage, { Kind: kind }),
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
      const id = `${kind[0]!.toUpperCase()}${kind.slice(1)}RunFailed`;
      this.alarm(id, failed, {
        description: `A Pulse ${kind} run ended failed (${RUNS_FAILED_METRIC.namespace}/${RUNS_FAILED_METRIC.metricName}, Stage=${stage}, Kind=${kind}): ${RUN_FAILED_MEANS[kind]}. The errors are in the run ledger: npx pulse runs --target aws --kind ${kind} (and in the function's log, line "pulse ${kind} run failed"). Fix the cause and rerun; every job is idempotent.`,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
  }

  /** Errors and throttles of one function. */
  watchFunction(id: string, fn: IFunction): void {
    this.alarm(`${id}Errors`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), {
      description: `The Pulse ${id} function failed (an invocation threw or timed out). Read its log group; asynchronous invocations are retried twice, then land in its failed-invocations queue.`,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.alarm(`${id}Throttles`, fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }), {
      description: `The Pulse ${id} function was throttled (account or reserved concurrency exhausted). Lambda retries asynchronous invocations for up to 6 hours.`,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  /** Any message in a dead-letter queue is an invocation that never succeeded. */
  watchDeadLetterQueue(id: string, queue: IQueue, what: string): void {
    this.alarm(
      `${id}DeadLetters`,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      {
        description: `${what} Inspect the messages in the queue, fix the cause, then re-run the job for that time (the handlers are idempotent).`,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
    );
  }

  /** Everything of one scheduled job: its function and all its dead-letter queues. */
  watchJob(id: string, job: ScheduledJob): void {
    this.watchFunction(id, job.function);
    this.watchDeadLetterQueue(
      `${id}Failed`,
      job.pulseFunction.failureQueue,
      `An asynchronous invocation of the Pulse ${id} function failed after every Lambda retry.`,
    );
    job.deadLetterQueues.forEach((queue, i) =>
      this.watchDeadLetterQueue(
        `${id}${job.schedules[i]?.node.id ?? i}`,
        queue,
        `EventBridge Scheduler could not invoke the Pulse ${id} function for a scheduled occurrence (after its retries).`,
      ),
    );
  }

  private alarm(
    id: string,
    metric: IMetric,
    opts: {
      description: string;
      threshold: number;
      comparisonOperator: ComparisonOperator;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
      treatMissingData?: TreatMissingData;
      actionsEnabled?: boolean;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      alarmDescription: opts.description,
      threshold: opts.threshold,
      comparisonOperator: opts.comparisonOperator,
      evaluationPeriods: opts.evaluationPeriods ?? 1,
      datapointsToAlarm: opts.datapointsToAlarm,
      treatMissingData: opts.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      actionsEnabled: opts.actionsEnabled ?? true,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
