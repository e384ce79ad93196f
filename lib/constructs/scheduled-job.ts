// A scheduled Pulse job: one PulseFunction invoked by one or more EventBridge Scheduler schedules
// in the company's IANA time zone. Each schedule has its own retry policy and its own encrypted SQS
// dead-letter queue, and passes its scheduled time as the handler's idempotency key.
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { WeekdayName } from '../../functions/domain/dates';
import { acknowledge, acknowledgeDeadLetterQueue } from './nag';
import { PulseFunction, type PulseFunctionProps } from './pulse-function';

const CRON_DAY: Record<WeekdayName, string> = {
  monday: 'MON',
  tuesday: 'TUE',
  wednesday: 'WED',
  thursday: 'THU',
  friday: 'FRI',
  saturday: 'SAT',
  sunday: 'SUN',
};

/** A local wall-clock time `HH:MM` split into cron fields. */
function timeFields(time: string): { hour: string; minute: string } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) throw new Error(`"${time}" is not a local time HH:MM`);
  return { hour: String(Number(m[1])), minute: String(Number(m[2])) };
}

/**
 * `cron(MM HH ? * MON,TUE *)` at a local time on the given weekdays (every day when `days` is
 * omitted), interpreted by Scheduler in `timeZone` (DST included).
 */
export function localCron(opts: { time: string; timeZone: string; days?: readonly WeekdayName[] }): ScheduleExpression {
  const { hour, minute } = timeFields(opts.time);
  const days = opts.days && [...new Set(opts.days)];
  if (days && days.length === 0) throw new Error('localCron: days must not be empty');
  return ScheduleExpression.cron({
    minute,
    hour,
    ...(days && days.length < 7 ? { weekDay: days.map((d) => CRON_DAY[d]).join(',') } : {}),
    timeZone: TimeZone.of(opts.timeZone),
  });
}

/** The Scheduler's invocation: a Lambda target whose role may invoke the unqualified function only. */
class InvokeFunction extends LambdaInvoke {
  constructor(
    private readonly invoked: IFunction,
    props: ScheduleTargetBaseProps,
  ) {
    super(invoked, props);
  }

  // LambdaInvoke grants `<fn>` and `<fn>:*` (every version and alias); Scheduler invokes the
  // unqualified ARN, so that is all the role gets.
  protected override addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.invoked.functionArn] }),
    );
  }
}

export interface JobScheduleProps {
  /** Construct id of the schedule, unique within the job (e.g. `Daily`, `Weekly`). */
  readonly id: string;
  readonly expression: ScheduleExpression;
  readonly description?: string;
}

export interface SchedulerRetryPolicy {
  /**
   * Retries when Scheduler cannot deliver the invocation (throttling, service errors); 0-185.
   * Function errors are retried by Lambda's asynchronous invocation instead.
   * @default 4
   */
  readonly maxRetryAttempts?: number;
  /**
   * How long Scheduler keeps trying an invocation before it goes to the dead-letter queue (1 min - 24 h).
   * @default Duration.hours(2)
   */
  readonly maxEventAge?: Duration;
}

export interface ScheduledJobProps extends PulseFunctionProps {
  /** At least one schedule; more can be added with `addSchedule`. */
  readonly schedules: readonly JobScheduleProps[];
  readonly retry?: SchedulerRetryPolicy;
}

export class ScheduledJob extends Construct {
  readonly pulseFunction: PulseFunction;
  readonly schedules: Schedule[] = [];
  /** One dead-letter queue per schedule: invocations Scheduler could not deliver. */
  readonly deadLetterQueues: Queue[] = [];
  /** The role EventBridge Scheduler assumes to invoke the function (shared by the job's schedules). */
  readonly schedulerRole: Role;
  private readonly retry: Required<SchedulerRetryPolicy>;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    if (props.schedules.length === 0) throw new Error(`ScheduledJob ${id}: needs at least one schedule`);
    this.retry = {
      maxRetryAttempts: props.retry?.maxRetryAttempts ?? 4,
      maxEventAge: props.retry?.maxEventAge ?? Duration.hours(2),
    };

    this.pulseFunction = new PulseFunction(this, 'Handler', props);

    const stack = Stack.of(this);
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: `EventBridge Scheduler invokes the Pulse ${id} function`,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });

    acknowledge(
      this.schedulerRole,
      'NIST.800.53.R5-IAMNoInlinePolicy',
      `The ${id} Scheduler role's policy (AWS::IAM::Policy) allows lambda:InvokeFunction on the ${id} function alone and is attached to this role alone; a customer-managed policy would hold the same statement and be reused by no other role.`,
    );
    for (const schedule of props.schedules) this.addSchedule(schedule);
  }

  get function(): IFunction {
    return this.pulseFunction.function;
  }

  get role(): Role {
    return this.pulseFunction.role;
  }

  /** Adds another schedule for the same function, with its own dead-letter queue. */
  addSchedule(spec: JobScheduleProps): Schedule {
    const deadLetterQueue = new Queue(this, `${spec.id}DeadLetters`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeDeadLetterQueue(
      deadLetterQueue,
      `This queue is the EventBridge Scheduler dead-letter queue of the ${this.node.id} ${spec.id} schedule; a dead-letter queue for it would only move the same messages again.`,
    );
    const schedule = new Schedule(this, `${spec.id}Schedule`, {
      schedule: spec.expression,
      description: spec.description,
      timeWindow: TimeWindow.off(),
      target: new InvokeFunction(this.function, {
        role: this.schedulerRole,
        deadLetterQueue,
        retryAttempts: this.retry.maxRetryAttempts,
        maxEventAge: this.retry.maxEventAge,
        // The idempotency key: the time this occurrence was scheduled for, identical on every
        // retry and duplicate delivery of the same occurrence.
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
      }),
    });
    this.schedules.push(schedule);
    this.deadLetterQueues.push(deadLetterQueue);
    return schedule;
  }
}
