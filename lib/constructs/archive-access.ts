// Who may open the finance archive, in the stack (docs/archive-access.md): the append-only audit
// table, the download endpoint's least-privilege grants for sign-in (its own partitions of the
// Pulse table, PutItem on the audit table, SES for one-time codes), the identity provider (a
// Cognito user pool the admin federates to Google Workspace, Okta or Entra ID, or the client
// secret of the issuer in the config, both in Secrets Manager), the refusals alarm, and CloudTrail
// S3 data events for the archive as an option.
import { ArnFormat, Aws, CfnOutput, Duration, Fn, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AccountRecovery, OAuthScope, UserPool, type UserPoolClient, UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { AttributeType, Billing, TableEncryptionV2, TableV2, type ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ACCESS_KEY_PREFIXES, ATTR, auditTableDefinition } from '../../functions/adapters/dynamodb/table';
import { ACCESS_REFUSED_METRIC, alarmDimensions } from '../../functions/adapters/observability/metrics';
import type { PulseConfig } from '../../functions/config';
import type { DownloadEndpoint } from './download-endpoint';
import type { Mailer } from './mailer';
import { acknowledge, acknowledgeWildcardResources } from './nag';

export { ACCESS_REFUSED_METRIC };

export interface ArchiveAccessProps {
  readonly config: PulseConfig;
  readonly endpoint: DownloadEndpoint;
  /** The Pulse table: link records, one-time codes and rate limits live in their own partitions. */
  readonly table: ITableV2;
  readonly mailer: Mailer;
  readonly alarmTopic: ITopic;
  readonly stage: string;
  /** Years the audit trail is kept: the archive's retention. */
  readonly retentionYears: number;
  /**
   * A Cognito user pool as the identity provider (federate it to the company's IdP). Ignored when
   * the config names an issuer (archive.access.oidc) or turns sign-in off ("link").
   * @default false
   */
  readonly userPool?: boolean;
  /**
   * Refused attempts in 5 minutes that raise the alarm.
   * @default 20
   */
  readonly refusalsAlarmThreshold?: number;
}

export class ArchiveAccess extends Construct {
  readonly auditTable: TableV2;
  /** The issuer's client secret (config issuer) or {issuer, clientId, clientSecret} (Cognito). */
  readonly oidcSecret?: Secret;
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  readonly refusalsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ArchiveAccessProps) {
    super(scope, id);
    const fn = props.endpoint.handler.function;
    const role = props.endpoint.handler.role;
    const access = props.config.archive.access;

    // ---- the audit table: append-only for the endpoint, kept as long as the archive ----
    const def = auditTableDefinition('audit');
    this.auditTable = new TableV2(this, 'AuditTable', {
      partitionKey: { name: def.KeySchema![0]!.AttributeName!, type: AttributeType.STRING },
      sortKey: { name: def.KeySchema![1]!.AttributeName!, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: 35 },
      deletionProtection: true,
      timeToLiveAttribute: ATTR.ttl,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.auditTable.tableArn] }),
    );
    fn.addEnvironment('PULSE_AUDIT_TABLE', this.auditTable.tableName);
    fn.addEnvironment('PULSE_AUDIT_RETENTION_YEARS', String(props.retentionYears));

    // ---- the Pulse table: only the link, code and rate-limit partitions ----
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ACCESS_KEY_PREFIXES.map((p) => (p.endsWith('#') ? `${p}*` : p)),
          },
        },
      }),
    );
    fn.addEnvironment('PULSE_TABLE', props.table.tableName);

    // ---- one-time codes by e-mail (sign-in without an identity provider) ----
    props.mailer.grantSend(role);
    fn.addEnvironment('PULSE_SES_CONFIGURATION_SET', props.mailer.configurationSet.configurationSetName);

    // ---- the identity provider ----
    // The function reads the provider's client from a secret with a fixed name: the user pool
    // client names the endpoint's callback (the distribution), which fronts the function, so a
    // reference from the function to the client would be a cycle.
    const secretName = `${Stack.of(this).stackName}/archive-oidc-client`;
    const secretArnPattern = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${secretName}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const callbackUrl = `${props.endpoint.url}auth/callback`;
    if (typeof access === 'object') {
      this.oidcSecret = new Secret(this, 'OidcClientSecret', {
        secretName,
        description: `Pulse: the client secret of ${access.oidc.clientId} at ${access.oidc.issuer} (replace this generated value with the one your identity provider issued)`,
        generateSecretString: { passwordLength: 32, excludePunctuation: true },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      new CfnOutput(this, 'OidcClientSecretName', {
        key: 'ArchiveOidcClientSecretName',
        value: secretName,
        description:
          'Put the client secret your identity provider issued into this secret (aws secretsmanager put-secret-value)',
      });
    } else if (access === 'sign-in' && props.userPool) {
      this.userPool = new UserPool(this, 'UserPool', {
        userPoolName: `pulse-archive-${props.stage}`,
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        autoVerify: { email: true },
        passwordPolicy: {
          minLength: 14,
          requireDigits: true,
          requireLowercase: true,
          requireUppercase: true,
          requireSymbols: true,
        },
        accountRecovery: AccountRecovery.EMAIL_ONLY,
        removalPolicy: RemovalPolicy.RETAIN,
        deletionProtection: true,
      });
      acknowledge(
        this.userPool,
        'AwsSolutions-COG8',
        'The Plus feature plan (threat protection) is charged per user; sign-in is federated to the company identity provider, which does the risk detection.',
      );
      acknowledge(
        this.userPool,
        'AwsSolutions-COG3',
        "Sign-in is federated: the company identity provider does the risk detection and compromised-credential checks (Cognito's threat protection is a paid plan per user; turn it on in the pool if wanted).",
      );
      acknowledge(
        this.userPool,
        'AwsSolutions-COG2',
        'People sign in through the federated company identity provider (Google Workspace, Okta, Entra ID), which enforces MFA; the pool holds no passwords of its own (self sign-up off).',
      );
      const domain = new UserPoolDomain(this, 'Domain', {
        userPool: this.userPool,
        cognitoDomain: { domainPrefix: Fn.join('-', ['pulse-archive', props.stage, Aws.ACCOUNT_ID]) },
      });
      this.userPoolClient = this.userPool.addClient('ArchiveClient', {
        generateSecret: true,
        authFlows: {},
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
          callbackUrls: [callbackUrl],
        },
        preventUserExistenceErrors: true,
        idTokenValidity: Duration.minutes(10),
        accessTokenValidity: Duration.minutes(10),
        refreshTokenValidity: Duration.hours(1),
      });
      const issuer = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${this.userPool.userPoolId}`;
      // issuer and clientId from the stack; the admin adds clientSecret once (the ArchiveOidcSecretCommand
      // output): reading it at deploy would take a custom-resource function of its own.
      this.oidcSecret = new Secret(this, 'OidcClient', {
        secretName,
        description:
          'Pulse: the archive sign-in client of the Cognito user pool ({"issuer", "clientId", "clientSecret"}; clientSecret added after the first deploy)',
        secretObjectValue: {
          issuer: SecretValue.unsafePlainText(issuer),
          clientId: SecretValue.unsafePlainText(this.userPoolClient.userPoolClientId),
        },
        removalPolicy: RemovalPolicy.DESTROY,
      });
      new CfnOutput(this, 'OidcSecretCommand', {
        key: 'ArchiveOidcSecretCommand',
        value: Fn.join('', [
          `S=$(aws cognito-idp describe-user-pool-client --user-pool-id `,
          this.userPool.userPoolId,
          ' --client-id ',
          this.userPoolClient.userPoolClientId,
          ` --query UserPoolClient.ClientSecret --output text) && aws secretsmanager put-secret-value --secret-id ${secretName} --secret-string "{"issuer":"`,
          issuer,
          '","clientId":"',
          this.userPoolClient.userPoolClientId,
          '","clientSecret":"$S"}"',
        ]),
        description:
          'Run once after the first deploy: copies the Cognito client secret into the secret the endpoint reads',
      });
      const region = Aws.REGION;
      new CfnOutput(this, 'UserPoolId', {
        key: 'ArchiveUserPoolId',
        value: this.userPool.userPoolId,
        description: 'Cognito user pool of archive sign-in (add the company IdP to it: docs/archive-access.md)',
      });
      new CfnOutput(this, 'IdpRedirectUri', {
        key: 'ArchiveIdpRedirectUri',
        value: `https://${domain.domainName}.auth.${region}.amazoncognito.com/oauth2/idpresponse`,
        description: 'Register this redirect URI (OIDC) or ACS URL (SAML) at Google Workspace, Okta or Entra ID',
      });
      new CfnOutput(this, 'SamlEntityId', {
        key: 'ArchiveSamlEntityId',
        value: `urn:amazon:cognito:sp:${this.userPool.userPoolId}`,
        description: 'The audience (SP entity ID) of a SAML app at the company IdP',
      });
    }
    if (this.oidcSecret) {
      const rotation =
        'An OpenID Connect client secret is issued (and rotated) by the identity provider or Cognito, then put here; Secrets Manager cannot rotate it by itself.';
      acknowledge(this.oidcSecret, 'AwsSolutions-SMG4', rotation);
      acknowledge(this.oidcSecret, 'NIST.800.53.R5-SecretsManagerRotationEnabled', rotation);
      acknowledge(
        this.oidcSecret,
        'NIST.800.53.R5-SecretsManagerUsingKMSKey',
        "The secret is encrypted with the AWS managed key aws/secretsmanager; only the download endpoint's role may read it (GetSecretValue on this secret name alone), and a customer-managed key would only repeat that in a key policy.",
      );
      role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArnPattern] }),
      );
      acknowledgeWildcardResources(
        role,
        [secretArnPattern],
        "Secrets Manager appends six random characters to a secret's name in its ARN; the grant names this one secret by its fixed name (a reference to the secret would make the function depend on the distribution it sits behind, a cycle).",
      );
      fn.addEnvironment('PULSE_OIDC_SECRET_ID', secretName);
    }
    if (access !== 'link')
      new CfnOutput(this, 'CallbackUrl', {
        key: 'ArchiveSignInCallbackUrl',
        value: callbackUrl,
        description: 'The OpenID Connect redirect URI to register for the archive sign-in client',
      });
    new CfnOutput(this, 'AuditTableName', {
      key: 'ArchiveAuditTableName',
      value: this.auditTable.tableName,
      description: 'Every attempt on an archive link (pulse archive audit --target aws)',
    });

    // ---- refusals: a metric the endpoint publishes, and an alarm on bursts ----
    const refused = new Metric({
      namespace: ACCESS_REFUSED_METRIC.namespace,
      metricName: ACCESS_REFUSED_METRIC.metricName,
      dimensionsMap: alarmDimensions(props.stage),
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    this.refusalsAlarm = new Alarm(this, 'RefusalsAlarm', {
      metric: refused,
      threshold: props.refusalsAlarmThreshold ?? 20,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `${props.refusalsAlarmThreshold ?? 20} or more refused attempts on finance archive links in 5 minutes (denied, revoked, expired, invalid, rate-limited): someone may be trying links or codes. See who: npx pulse archive audit --target aws --since <today>.`,
    });
    this.refusalsAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }
}
