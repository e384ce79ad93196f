// The alert action endpoint: a Lambda function URL that takes the alert e-mails' snooze and
// acknowledge links (GET shows a confirmation page, POST applies) and Slack's interactivity
// requests (POST /slack/actions).
//
// Unlike the download endpoint it is not behind CloudFront with an Origin Access Control and
// AWS_IAM auth: Lambda behind an OAC accepts a POST only with the SHA-256 of its body in
// x-amz-content-sha256, which Slack's interactivity requests never carry (and a plain HTML form
// does not either). The function URL therefore takes auth NONE, and every request is
// authenticated by the function before it reads anything: an HMAC token signed with the link
// signing key (single purpose, expiring, single use) or Slack's v0 request signature (five-minute
// window, single use). Its role can touch only the alert states, the send ledger and the used-id
// items of the Pulse table (dynamodb:LeadingKeys), and read the two secrets.
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnPermission, FunctionUrlAuthType, InvokeMode, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CFN_GUARD_PLUGIN } from '../control-tower';
import { acknowledge } from './nag';
import { PulseFunction, type PulseFunctionEnvironment } from './pulse-function';

/** Partition keys of the Pulse table the endpoint may touch: alert states, send-ledger items, used ids. */
export const ACTION_KEY_PREFIXES = ['ALERTS', 'SEND#', 'USED#'] as const;

export interface AlertActionEndpointProps {
  /** Absolute path of functions/handlers/alert-action.ts. */
  readonly entry: string;
  readonly configFile: string;
  readonly environment: PulseFunctionEnvironment;
  readonly table: ITable;
  /** The link signing key (the download endpoint's): the e-mails' action links are signed with it. */
  readonly linkSigningKey: ISecret;
  /** Create the secret for Slack's signing secret and accept Slack's interactivity requests. */
  readonly slack: boolean;
  /**
   * Other secrets the function reads: the CRM task tracker's (notifications.crmTasks' source) and the
   * Slack bot token (notifications.slack.secretName), with which a click updates the alert's other messages.
   */
  readonly readSecretArns?: readonly string[];
}

export class AlertActionEndpoint extends Construct {
  readonly handler: PulseFunction;
  /** Auth NONE: every request is authenticated by the function (see the top of this file). */
  readonly functionUrl: FunctionUrl;
  /** Slack's signing secret (the operator puts the value from the Slack app's Basic Information page). */
  readonly slackSigningSecret?: Secret;

  constructor(scope: Construct, id: string, props: AlertActionEndpointProps) {
    super(scope, id);
    if (props.slack) {
      this.slackSigningSecret = new Secret(this, 'SlackSigningSecret', {
        description:
          "Pulse: the Slack app's signing secret (Basic Information > App Credentials); set it after the first deploy",
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const why =
        "Slack issues the signing secret; it is rotated in the Slack app (Regenerate) and then put here, which Secrets Manager's rotation cannot do.";
      acknowledge(this.slackSigningSecret, 'AwsSolutions-SMG4', why);
      acknowledge(this.slackSigningSecret, 'NIST.800.53.R5-SecretsManagerRotationEnabled', why);
      acknowledge(
        this.slackSigningSecret,
        'NIST.800.53.R5-SecretsManagerUsingKMSKey',
        "Encrypted with the AWS managed key aws/secretsmanager; only the action endpoint's role is granted secretsmanager:GetSecretValue on it by IAM.",
      );
    }

    this.handler = new PulseFunction(this, 'Endpoint', {
      entry: props.entry,
      configFile: props.configFile,
      environment: {
        ...props.environment,
        PULSE_LINK_SECRET_ID: props.linkSigningKey.secretArn,
        ...(this.slackSigningSecret ? { PULSE_SLACK_SIGNING_SECRET_ID: this.slackSigningSecret.secretArn } : {}),
      } as PulseFunctionEnvironment,
      description: 'Pulse alert actions: snooze or acknowledge an alert from its e-mail link or Slack button',
      memorySize: 256,
      // Slack waits 3 seconds for the answer.
      timeout: Duration.seconds(10),
      asyncRetryAttempts: 0,
    });
    const role = this.handler.role;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ACTION_KEY_PREFIXES.map((p) => (p.endsWith('#') ? `${p}*` : p)),
          },
        },
      }),
    );
    const secrets = [
      props.linkSigningKey.secretArn,
      ...(this.slackSigningSecret ? [this.slackSigningSecret.secretArn] : []),
      ...(props.readSecretArns ?? []),
    ];
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets }));

    this.functionUrl = this.handler.function.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
    const publicUrl =
      'Slack interactivity requests and the confirmation form are POSTs without the x-amz-content-sha256 header that AWS_IAM auth behind an Origin Access Control requires; every request is authenticated by the function (an HMAC link token, single purpose, expiring, single use; or Slack\'s v0 request signature within five minutes, single use) before it reads or changes anything (docs/deploy.md, "Alert actions").';
    const permission =
      this.handler.function.node.children.find((c): c is CfnPermission => c instanceof CfnPermission) ??
      this.node.findAll().find((c): c is CfnPermission => c instanceof CfnPermission);
    for (const target of [this.handler.function, ...(permission ? [permission] : [])]) {
      acknowledge(target, `${CFN_GUARD_PLUGIN}::lambda_function_public_access_prohibited_check`, publicUrl);
      acknowledge(target, 'NIST.800.53.R5-LambdaFunctionPublicAccessProhibited', publicUrl);
    }
    acknowledge(this.functionUrl, `${CFN_GUARD_PLUGIN}::lambda_function_url_auth_check`, publicUrl);

    new CfnOutput(this, 'Url', {
      key: 'AlertActionsUrl',
      value: this.functionUrl.url,
      description:
        "Base of the alert e-mails' snooze and acknowledge links; <url>slack/actions is the Slack app's Interactivity request URL",
    });
    if (this.slackSigningSecret) {
      new CfnOutput(this, 'SlackSecretArn', {
        key: 'SlackSigningSecretArn',
        value: this.slackSigningSecret.secretArn,
        description: "Put the Slack app's signing secret here",
      });
    }
  }

  /** Lets the alert job sign action links and know where they point. */
  grantSignLinks(fn: PulseFunction, linkSigningKey: ISecret): void {
    fn.function.addEnvironment('PULSE_ALERT_ACTIONS_URL', this.functionUrl.url);
    fn.function.addEnvironment('PULSE_LINK_SECRET_ID', linkSigningKey.secretArn);
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [linkSigningKey.secretArn] }),
    );
  }
}
