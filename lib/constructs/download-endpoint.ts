// The archive's download endpoint: a Lambda function URL (public by design: the signed token in
// each link is the authorisation) whose own role may only read archive objects, decrypt them with
// the archive key, and read the link signing key. Links in emails and on the index carry a token
// signed with that key; the function checks it and redirects to a presigned S3 URL valid for
// minutes, made with its own short-lived role credentials at the moment of the download.
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable, type Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FunctionUrlAuthType, InvokeMode, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcardResources } from './nag';
import { PulseFunction, type PulseFunctionEnvironment } from './pulse-function';

/** Only objects under this prefix can be downloaded (the tokens are refused for anything else too). */
export const ARCHIVE_KEY_PREFIX = 'archive/';

export interface DownloadEndpointProps {
  /** Absolute path of functions/handlers/download.ts. */
  readonly entry: string;
  readonly configFile: string;
  readonly environment: PulseFunctionEnvironment;
  readonly archiveBucket: IBucket;
  readonly archiveKey: IKey;
  /**
   * Lifetime of the presigned URL the endpoint redirects to.
   * @default Duration.minutes(5)
   */
  readonly presignedUrlLifetime?: Duration;
}

export class DownloadEndpoint extends Construct {
  /** The HMAC key that signs download links (64 random characters; RETAIN: deleting it kills every link). */
  readonly signingKey: Secret;
  readonly handler: PulseFunction;
  readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: DownloadEndpointProps) {
    super(scope, id);
    const lifetime = (props.presignedUrlLifetime ?? Duration.minutes(5)).toSeconds();
    if (lifetime < 60 || lifetime > 3600) throw new Error(`DownloadEndpoint: presignedUrlLifetime must be 1 to 60 minutes (got ${lifetime} s)`);

    this.signingKey = new Secret(this, 'LinkSigningKey', {
      description: 'Pulse: HMAC key that signs the finance archive download links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.signingKey,
      'AwsSolutions-SMG4',
      'The link signing key is rotated by hand (docs/archive.md): the secret then holds {"current", "previous"} so links already sent keep working until they expire; an automatic rotation would invalidate every link in every email at once.',
    );

    this.handler = new PulseFunction(this, 'Endpoint', {
      entry: props.entry,
      configFile: props.configFile,
      environment: { ...props.environment, PULSE_LINK_SECRET_ID: this.signingKey.secretArn, PULSE_PRESIGN_SECONDS: String(lifetime) } as PulseFunctionEnvironment,
      description: 'Pulse download endpoint: checks a signed archive link and redirects to a short-lived S3 URL',
      memorySize: 256,
      timeout: Duration.seconds(10),
      asyncRetryAttempts: 0,
    });
    this.grantRead(this.handler.role, props);
    this.url = this.handler.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE, invokeMode: InvokeMode.BUFFERED });

    new CfnOutput(this, 'Url', { key: 'DownloadUrl', value: this.url.url, description: 'Base of the durable archive links (<url>d/<token>)' });
    new CfnOutput(this, 'SecretArn', { key: 'LinkSecretArn', value: this.signingKey.secretArn, description: 'Secrets Manager secret that signs archive links' });
  }

  /** Lets another role (the weekly report) sign links: read the signing key. */
  grantSignLinks(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.signingKey.secretArn] }));
  }

  private grantRead(role: Role, props: DownloadEndpointProps): void {
    const objects = [props.archiveBucket.arnForObjects(`${ARCHIVE_KEY_PREFIX}*`)];
    const add = (actions: string[], resources: string[]) => role.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
    add(['s3:GetObject'], objects);
    // Without ListBucket, S3 answers 403 instead of 404 for a missing key; the endpoint tells the two apart.
    add(['s3:ListBucket'], [props.archiveBucket.bucketArn]);
    add(['kms:Decrypt'], [props.archiveKey.keyArn]);
    add(['secretsmanager:GetSecretValue'], [this.signingKey.secretArn]);
    acknowledgeWildcardResources(
      role,
      objects,
      'The download endpoint presigns GetObject for whichever archive object a verified link names; object names are per week and not known in advance, so the grant is read-only and scoped to the archive/ prefix of the archive bucket.',
    );
  }
}
