// The S3 side of Pulse: the finance archive (KMS customer key, versioned, lifecycle to cold storage
// and expiry after the retention period), the drop-zone where source files arrive, the bucket for
// rejects reports, and one access-log bucket that records every request to the other three. Every
// bucket is versioned; the versions a move, an overwrite or an expiry leaves behind expire too.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
  StorageClass,
  type LifecycleRule,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { denyGrantsExceptForAwsServices } from './keys';
import { acknowledge } from './nag';

/** Key prefixes of the drop-zone bucket (the ingest handler reads `incoming/`). */
export const DROP_ZONE_PREFIXES = { incoming: 'incoming/', processed: 'processed/', failed: 'failed/' } as const;

export interface ReportArchiveProps {
  /**
   * Years an archived report (and each of its noncurrent versions) is kept before it expires.
   * @default 7
   */
  readonly retentionYears?: number;
  /**
   * Cold storage class the archive moves to after `coldAfterDays`. Glacier Instant Retrieval keeps
   * millisecond reads, so a download link to a two-year-old report still works without a restore;
   * pick GLACIER (Flexible Retrieval) or DEEP_ARCHIVE for cheaper storage if finance accepts restores.
   * @default StorageClass.GLACIER_INSTANT_RETRIEVAL
   */
  readonly coldStorageClass?: StorageClass;
  /** @default 90 */
  readonly infrequentAccessAfterDays?: number;
  /** @default 365 */
  readonly coldAfterDays?: number;
  /**
   * Days processed and failed drop-zone files, rejects reports and access logs are kept.
   * @default { dropZone: 90, rejects: 90, accessLogs: 365 }
   */
  readonly expiry?: { dropZone?: number; rejects?: number; accessLogs?: number };
  /**
   * Days a noncurrent version of a drop-zone file, rejects report or access log is kept (what a
   * move, an overwrite or an expiry leaves behind: the window to recover a deleted file).
   * The archive keeps its noncurrent versions for the retention period instead.
   * @default 30
   */
  readonly noncurrentVersionDays?: number;
  /**
   * S3 Object Lock for the retention period: no version of a pack can be deleted or overwritten
   * before it ends (governance: except by someone with s3:BypassGovernanceRetention; compliance:
   * by nobody, not even the root user). Only when the bucket is created; compliance is irreversible.
   * @default none
   */
  readonly objectLock?: ArchiveObjectLock;
}

export type ArchiveObjectLock = 'governance' | 'compliance';

const DAYS_PER_YEAR = 365;

export class ReportArchive extends Construct {
  /** Finance archive: reports, extracts, KPI JSON, manifests. KMS customer key, versioned, RETAIN. */
  readonly archiveBucket: Bucket;
  /** The customer-managed key of the archive (rotation on, RETAIN: the archive is unreadable without it). */
  readonly archiveKey: Key;
  /** Where source files arrive (`incoming/`) and are moved to after ingest (`processed/`, `failed/`). */
  readonly dropZoneBucket: Bucket;
  /** Rejects reports written by ingest. */
  readonly rejectsBucket: Bucket;
  /** Server access logs of the three buckets above, one prefix each. */
  readonly accessLogsBucket: Bucket;
  readonly retentionYears: number;

  constructor(scope: Construct, id: string, props: ReportArchiveProps = {}) {
    super(scope, id);
    const retentionYears = props.retentionYears ?? 7;
    if (!Number.isInteger(retentionYears) || retentionYears < 1) {
      throw new Error(`ReportArchive: retentionYears must be a whole number of years >= 1 (got ${retentionYears})`);
    }
    this.retentionYears = retentionYears;
    const iaDays = props.infrequentAccessAfterDays ?? 90;
    const coldDays = props.coldAfterDays ?? 365;
    const expireDays = retentionYears * DAYS_PER_YEAR;
    if (!(iaDays >= 30 && coldDays > iaDays && expireDays > coldDays)) {
      throw new Error(
        `ReportArchive: need 30 <= infrequentAccessAfterDays (${iaDays}) < coldAfterDays (${coldDays}) < retention (${expireDays} days)`,
      );
    }
    const expiry = { dropZone: 90, rejects: 90, accessLogs: 365, ...props.expiry };
    const abortUploads: LifecycleRule = {
      id: 'abort-incomplete-uploads',
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    };
    const noncurrentDays = props.noncurrentVersionDays ?? 30;
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1)
      throw new Error(
        `ReportArchive: noncurrentVersionDays must be a whole number of days >= 1 (got ${noncurrentDays})`,
      );
    // Versioned buckets whose objects move or expire: old versions go after noncurrentDays, and the
    // delete markers left with no version behind them are removed, so storage stays flat.
    const versionCleanup: LifecycleRule[] = [
      { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(noncurrentDays) },
      { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
    ];

    // Server access logs cannot be delivered to an SSE-KMS bucket, so this one uses SSE-S3; delivery
    // is authorised by a bucket policy for logging.s3.amazonaws.com (flag
    // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy), which needs BUCKET_OWNER_ENFORCED.
    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        abortUploads,
        { id: 'expire-logs', expiration: Duration.days(expiry.accessLogs) },
        ...versionCleanup,
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // cdk-nag S1 accepts this bucket without logging of its own: it is the logging target.
    acknowledge(
      this.accessLogsBucket,
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      'S3 delivers server access logs only to buckets encrypted with SSE-S3 (AES256), never SSE-KMS; this bucket holds nothing but those logs.',
    );

    this.archiveKey = new Key(this, 'ArchiveKey', {
      description: 'Pulse finance archive (S3 SSE-KMS)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    denyGrantsExceptForAwsServices(this.archiveKey);

    this.archiveBucket = new Bucket(this, 'Archive', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.archiveKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      ...(props.objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention: (props.objectLock === 'compliance'
              ? ObjectLockRetention.compliance
              : ObjectLockRetention.governance)(Duration.days(expireDays)),
          }
        : {}),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        abortUploads,
        {
          id: 'archive-tiering-and-retention',
          transitions: [
            { storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(iaDays) },
            {
              storageClass: props.coldStorageClass ?? StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(coldDays),
            },
          ],
          expiration: Duration.days(expireDays),
          noncurrentVersionTransitions: [
            { storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(iaDays) },
            {
              storageClass: props.coldStorageClass ?? StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(coldDays),
            },
          ],
          noncurrentVersionExpiration: Duration.days(expireDays),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.dropZoneBucket = new Bucket(this, 'DropZone', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'dropzone/',
      versioned: true,
      lifecycleRules: [
        abortUploads,
        { id: 'expire-processed', prefix: DROP_ZONE_PREFIXES.processed, expiration: Duration.days(expiry.dropZone) },
        { id: 'expire-failed', prefix: DROP_ZONE_PREFIXES.failed, expiration: Duration.days(expiry.dropZone) },
        ...versionCleanup,
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.rejectsBucket = new Bucket(this, 'Rejects', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'rejects/',
      versioned: true,
      lifecycleRules: [
        abortUploads,
        { id: 'expire-rejects', expiration: Duration.days(expiry.rejects) },
        ...versionCleanup,
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const sseS3 = (lifecycle: string) =>
      `${lifecycle}; SSE-KMS would make every uploader, the ingest function and the CLI need kms:GenerateDataKey/kms:Decrypt on a key besides s3:PutObject/GetObject, for copies of data that lives in the source systems. The finance archive, kept for years, has its customer-managed key.`;
    acknowledge(
      this.dropZoneBucket,
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      sseS3(
        `Source files in the drop zone are encrypted with SSE-S3, moved out of incoming/ by the next ingest and expire ${expiry.dropZone} days later`,
      ),
    );
    acknowledge(
      this.rejectsBucket,
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      sseS3(
        `Rejects reports (the rejected rows of source files) are encrypted with SSE-S3 and expire after ${expiry.rejects} days`,
      ),
    );
    const replication = `Cross-region replication is a disaster-recovery choice of the deployer (a second region, its own key and bucket, the cost of a second copy); Pulse deploys to one region, keeps every bucket versioned and retained when the stack is deleted, and the archive for ${retentionYears} years.`;
    for (const bucket of [this.archiveBucket, this.dropZoneBucket, this.rejectsBucket, this.accessLogsBucket])
      acknowledge(bucket, 'NIST.800.53.R5-S3BucketReplicationEnabled', replication);
  }
}
