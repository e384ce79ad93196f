// The finance archive in S3 (the ArchiveStore and UrlPresigner ports).
//
// Write-once: putIfAbsent sends `If-None-Match: *`, which S3 honours (412 PreconditionFailed when
// an object exists, 409 ConditionalRequestConflict on a concurrent write). s3rver, the local
// emulator, ignores that header on PUT and would overwrite, so the adapter also asks first (HEAD)
// and writes only when nothing is there. In AWS the conditional put is what guarantees it; the
// HEAD only saves a request. The bucket is versioned as well, and no Pulse role may delete.
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ArchiveStore, UrlPresigner } from '../../ports/archive';

export interface S3ArchiveOptions {
  client: S3Client;
  bucket: string;
  /**
   * Client used to sign download URLs (default: `client`). Locally the same; in AWS the Lambda
   * role's credentials, which is why the URLs are made fresh for every download.
   */
  presignClient?: S3Client;
}

const isMissing = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
};

const isPreconditionFailure = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    err.name === 'PreconditionFailed' ||
    err.name === 'ConditionalRequestConflict' ||
    err.$metadata?.httpStatusCode === 412 ||
    err.$metadata?.httpStatusCode === 409
  );
};

export class S3Archive implements ArchiveStore, UrlPresigner {
  constructor(private readonly opts: S3ArchiveOptions) {}

  get bucket(): string {
    return this.opts.bucket;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.opts.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  async putIfAbsent(key: string, body: Uint8Array, contentType: string): Promise<boolean> {
    if (await this.exists(key)) return false;
    try {
      await this.opts.client.send(
        new PutObjectCommand({
          Bucket: this.opts.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.byteLength,
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (e) {
      if (isPreconditionFailure(e)) return false;
      throw e;
    }
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.opts.client.send(
      new PutObjectCommand({
        Bucket: this.opts.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ContentLength: body.byteLength,
      }),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.opts.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.opts.client.send(
        new ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async presignGet(
    key: string,
    expiresInSeconds: number,
    opts: { filename?: string } = {},
  ): Promise<string | undefined> {
    if (!(await this.exists(key))) return undefined;
    const name = (opts.filename ?? key.split('/').pop() ?? 'download').replace(/["\\\r\n]/g, '_');
    // Web pages open in the browser; everything else downloads under its own name.
    const disposition = /\.html?$/i.test(name) ? 'inline' : `attachment; filename="${name}"`;
    return getSignedUrl(
      this.opts.presignClient ?? this.opts.client,
      new GetObjectCommand({ Bucket: this.opts.bucket, Key: key, ResponseContentDisposition: disposition }),
      { expiresIn: expiresInSeconds },
    );
  }
}
