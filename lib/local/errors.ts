// Typed errors of the embedded local stack: a stable `code`, the emulator at fault, the tail of
// its log, and the underlying error as `cause`.

export type EmulatorName = 'dynamodb' | 's3' | 'ses';

export type LocalStackErrorCode =
  /** `java` is not on PATH (DynamoDB Local is a Java program). */
  | 'JAVA_MISSING'
  /** `java` is there but older than 11, or `java -version` failed. */
  | 'JAVA_UNUSABLE'
  /** A requested port is taken, or no free port could be bound on 127.0.0.1. */
  | 'PORT_UNAVAILABLE'
  /** An emulator process exited (or could not be spawned) before it answered. */
  | 'EMULATOR_EXITED'
  /** An emulator did not answer within the start timeout. */
  | 'EMULATOR_TIMEOUT'
  /** The emulators run, but creating the table or the buckets failed. */
  | 'SETUP_FAILED'
  /** Another live process runs a local stack on the same data directory. */
  | 'DATA_DIR_IN_USE';

export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';
  readonly code: LocalStackErrorCode;
  readonly emulator?: EmulatorName;
  /** The last lines the emulator printed (stdout and stderr), when it matters. */
  readonly logTail?: string;

  constructor(
    code: LocalStackErrorCode,
    message: string,
    opts: { cause?: unknown; emulator?: EmulatorName; logTail?: string } = {},
  ) {
    const tail = opts.logTail?.trim();
    super(
      tail ? `${message}\n--- last lines of the ${opts.emulator ?? 'emulator'} log ---\n${tail}` : message,
      opts.cause === undefined ? undefined : { cause: opts.cause },
    );
    this.code = code;
    if (opts.emulator) this.emulator = opts.emulator;
    if (tail) this.logTail = tail;
  }
}

export const EMULATOR_LABEL: Record<EmulatorName, string> = {
  dynamodb: 'DynamoDB Local',
  s3: 's3rver (S3)',
  ses: 'aws-ses-v2-local (SES)',
};
