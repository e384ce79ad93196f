// CloudTrail S3 data events for the finance archive (a deploy option, -c archiveCloudTrail=true):
// every GetObject, PutObject and DeleteObject under archive/ by anyone with AWS credentials (not
// only what went through the download endpoint, which the audit table records), in a trail of its
// own: KMS-encrypted, log file validation on, delivered to a versioned, TLS-only bucket kept as
// long as the archive, and to CloudWatch Logs.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ReadWriteType, Trail } from 'aws-cdk-lib/aws-cloudtrail';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { denyGrantsExceptForAwsServices, logsKey } from './keys';
import { acknowledge } from './nag';

export interface ArchiveDataEventsProps {
  readonly archiveBucket: IBucket;
  /** Server access logs of the trail's bucket. */
  readonly accessLogsBucket: IBucket;
  /** Years the trail's files are kept (the archive's retention). */
  readonly retentionYears: number;
}

export class ArchiveDataEvents extends Construct {
  readonly trail: Trail;
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ArchiveDataEventsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const key = new Key(this, 'TrailKey', {
      description: `Pulse ${stack.stackName}: encrypts the archive's CloudTrail data events`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudTrailOfThisAccount',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    denyGrantsExceptForAwsServices(key);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'cloudtrail/',
      lifecycleRules: [
        {
          id: 'expire-with-the-archive',
          expiration: Duration.days(props.retentionYears * 365),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: logsKey(this),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.trail = new Trail(this, 'Trail', {
      bucket: this.bucket,
      encryptionKey: key,
      enableFileValidation: true,
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      managementEvents: ReadWriteType.NONE,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: logGroup,
    });
    acknowledge(
      this.bucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'Cross-region replication is a disaster-recovery choice of the deployer (a second region, its own key and bucket); the trail bucket is versioned, retained with the stack and kept as long as the archive, and log file validation makes any change to a delivered file detectable.',
    );
    acknowledge(
      this.trail,
      'NIST.800.53.R5-IAMNoInlinePolicy',
      "The trail's CloudWatch Logs role has one policy (AWS::IAM::Policy) that lets CloudTrail write to this trail's log group; it is attached to that role alone and would be reused by no other.",
    );
    this.trail.addS3EventSelector([{ bucket: props.archiveBucket, objectPrefix: 'archive/' }], {
      readWriteType: ReadWriteType.ALL,
      includeManagementEvents: false,
    });
  }
}
