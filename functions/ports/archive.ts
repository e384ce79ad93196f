// The archive port: the object store the finance packs live in (S3 in AWS, s3rver locally).
export interface ArchiveStore {
  /**
   * Writes the object only when nothing exists at `key`. Returns false, writing nothing, when an
   * object is already there: packs are written once and never replaced.
   */
  putIfAbsent(key: string, body: Uint8Array, contentType: string): Promise<boolean>;
  /** Writes or replaces the object (only the index pages, which are rebuilt on every run). */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key under the prefix, in key order. */
  list(prefix: string): Promise<string[]>;
}

/** Makes short-lived direct download URLs (S3 presigned GET). */
export interface UrlPresigner {
  /** A URL that downloads `key` for the next `expiresInSeconds`; undefined when no such object exists. */
  presignGet(key: string, expiresInSeconds: number, opts?: { filename?: string }): Promise<string | undefined>;
}
