// The S3 drop-zone as a contract source: objects under `incoming/<source>/` named like contract
// files (`accounts.csv`, `usage.ndjson.gz`) are streamed row by row, never loaded whole.
//
// After a run each object is moved (copy + delete) to `processed/<runId>/...` or
// `failed/<runId>/...`, keeping the rest of its key: `incoming/billing/x.csv` ->
// `processed/<runId>/billing/x.csv`.
//
// Parts of a large file (`parts/<source>/...`, functions/domain/sources/parts.ts) are read like
// any file but named after the original, with the original's line numbers; a part read to the end
// is deleted (its original is already under processed/), a failed part moves to failed/<runId>/.
// The zone also serves the split itself (the DropZoneParts port).
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { readRows, recogniseFile, type FileFormat } from '../sources/file-reader';
import type { ContractSource, FileOutcome, SourceFile, SourceRow } from '../../ports/source';
import type { DropZoneParts, SplittableFile } from '../../ports/file-parts';
import { ENTITY_NAMES, type EntityName } from '../../domain/contract/entities';
import { PARTS_PREFIX, originalKeyOfPart, parsePartKey } from '../../domain/sources/parts';

export const INCOMING_PREFIX = 'incoming/';

/** Which entity and format an object is; undefined = not a contract file. */
export type FileRecogniser = (key: string) => { entity: EntityName; format: FileFormat; gzip: boolean } | undefined;

export interface DropZoneOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix to read, e.g. `incoming/` or `incoming/billing/`. */
  prefix: string;
  /** Read only these keys (an S3 event names the object that arrived). */
  keys?: string[];
  /** Default: contract file names (`accounts.csv`, `usage.ndjson.gz`); see `patternRecogniser`. */
  recognise?: FileRecogniser;
}

export class DropZoneSource implements ContractSource, DropZoneParts {
  readonly description: string;
  private listed?: Promise<string[]>;

  constructor(private readonly opts: DropZoneOptions) {
    this.description = `s3://${opts.bucket}/${opts.prefix}`;
  }

  /** Every key under the prefix (or the given keys), in contract entity order. */
  keys(): Promise<string[]> {
    this.listed ??= this.opts.keys ? Promise.resolve([...this.opts.keys]) : this.listAll();
    const recognise = this.recognise;
    const rank = (key: string) => {
      const e = recognise(key)?.entity;
      return e ? ENTITY_NAMES.indexOf(e) : ENTITY_NAMES.length;
    };
    return this.listed.then((keys) => keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)));
  }

  private get recognise(): FileRecogniser {
    return this.opts.recognise ?? recogniseFile;
  }

  async *files(): AsyncGenerator<SourceFile> {
    for (const key of await this.keys()) {
      const kind = this.recognise(key);
      if (!kind) continue;
      const part = parsePartKey(key);
      if (part) {
        // Named after the original file, with its line numbers: the rejects report points there.
        const offset = part.lineOffset;
        const header = kind.format === 'csv' ? 1 : 0;
        yield {
          entity: kind.entity,
          name: originalKeyOfPart(part),
          rows: () =>
            shiftLines(this.rowsOf(key, kind.format, kind.gzip), (line) => (line > header ? line + offset : line)),
          settle: (outcome, runId) => (outcome === 'processed' ? this.remove(key) : this.move(key, outcome, runId)),
        };
        continue;
      }
      yield {
        entity: kind.entity,
        name: key,
        rows: () => this.rowsOf(key, kind.format, kind.gzip),
        settle: (outcome, runId) => this.move(key, outcome, runId),
      };
    }
  }

  async ignored(): Promise<string[]> {
    return (await this.keys()).filter((k) => !this.recognise(k) && !k.endsWith('/'));
  }

  settleIgnored(key: string, runId: string): Promise<string | undefined> {
    return this.move(key, 'failed', runId);
  }

  // ---- splitting large files (the DropZoneParts port) ----------------------------------------

  async splittable(): Promise<SplittableFile[]> {
    const out: SplittableFile[] = [];
    for (const key of await this.keys()) {
      const kind = this.recognise(key);
      if (kind && !key.startsWith(PARTS_PREFIX)) out.push({ key, ...kind });
    }
    return out;
  }

  async head(key: string): Promise<{ bytes: number; etag?: string } | undefined> {
    try {
      const out = await this.opts.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return { bytes: out.ContentLength ?? 0, ...(out.ETag ? { etag: out.ETag } : {}) };
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw err;
    }
  }

  async *text(key: string, gzip: boolean): AsyncGenerator<string> {
    const object = await this.opts.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key }));
    const body = object.Body as Readable;
    const input = gzip ? body.pipe(createGunzip()) : body;
    if (gzip) body.on('error', (err) => input.destroy(err));
    input.setEncoding('utf8');
    try {
      for await (const chunk of input) yield chunk as string;
    } finally {
      body.destroy();
      input.destroy();
    }
  }

  async putPart(key: string, text: readonly string[], gzip: boolean): Promise<void> {
    const plain = Buffer.from(text.join(''), 'utf8');
    await this.opts.client.send(
      new PutObjectCommand({ Bucket: this.opts.bucket, Key: key, Body: gzip ? gzipSync(plain, { level: 1 }) : plain }),
    );
  }

  settle(key: string, outcome: FileOutcome, runId: string): Promise<string> {
    return this.move(key, outcome, runId);
  }

  async partsWaitingSince(source: string, before: Date): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.opts.client.send(
        new ListObjectsV2Command({
          Bucket: this.opts.bucket,
          Prefix: `${PARTS_PREFIX}${source}/`,
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? [])
        if (o.Key && parsePartKey(o.Key) && o.LastModified && o.LastModified < before) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /** Copies the part onto itself (new metadata): S3 sends a new "object created" event for it. */
  async redispatch(key: string): Promise<void> {
    await this.opts.client.send(
      new CopyObjectCommand({
        Bucket: this.opts.bucket,
        Key: key,
        CopySource: `${this.opts.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
        MetadataDirective: 'REPLACE',
        Metadata: { 'pulse-redispatched': new Date().toISOString() },
      }),
    );
  }

  private async remove(key: string): Promise<string> {
    await this.opts.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: key }));
    return '(deleted: a part, its original is under processed/)';
  }

  /** Moves an object to `processed/<runId>/...` or `failed/<runId>/...`; returns the new key. */
  async move(key: string, outcome: FileOutcome, runId: string): Promise<string> {
    const rest = key.startsWith(INCOMING_PREFIX)
      ? key.slice(INCOMING_PREFIX.length)
      : key.startsWith(PARTS_PREFIX)
        ? key.slice(PARTS_PREFIX.length)
        : key;
    const target = `${outcome}/${runId}/${rest}`;
    const { client, bucket } = { client: this.opts.client, bucket: this.opts.bucket };
    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: target,
        CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    return target;
  }

  private async *rowsOf(key: string, format: 'csv' | 'ndjson', gzip: boolean) {
    const object = await this.opts.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key }));
    yield* readRows(object.Body as Readable, format, gzip);
  }

  private async listAll(): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.opts.client.send(
        new ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix: this.opts.prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }
}

/** The rows of a part with their lines mapped back to the original file's. */
async function* shiftLines(rows: AsyncIterable<SourceRow>, map: (line: number) => number): AsyncGenerator<SourceRow> {
  for await (const r of rows) {
    if (r.ok) r.row.line = map(r.row.line);
    else r.error.line = map(r.error.line);
    yield r;
  }
}

/**
 * A recogniser for a source's file name patterns (`{ "accounts": "companies-*.csv" }`, `*` = any
 * characters, matched against the file name without its folder; `.gz` may follow), falling back
 * to the contract names. The extension says the format: .csv, .ndjson or .jsonl, optionally followed by .gz.
 */
export function patternRecogniser(
  patterns: Partial<Record<EntityName, string>>,
  entities?: readonly EntityName[],
): FileRecogniser {
  const compiled = (Object.entries(patterns) as [EntityName, string][]).map(([entity, glob]) => ({
    entity,
    re: new RegExp(
      `^${glob
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}(\\.gz)?$`,
      'i',
    ),
  }));
  const allowed = entities ? new Set(entities) : undefined;
  return (key) => {
    const name = key.slice(key.lastIndexOf('/') + 1);
    const ext = /\.(csv|ndjson|jsonl)(\.gz)?$/i.exec(name);
    const hit = ext ? compiled.find((c) => c.re.test(name)) : undefined;
    const kind =
      hit && ext
        ? {
            entity: hit.entity,
            format: (ext[1]!.toLowerCase() === 'csv' ? 'csv' : 'ndjson') as FileFormat,
            gzip: Boolean(ext[2]),
          }
        : recogniseFile(name);
    return kind && (!allowed || allowed.has(kind.entity)) ? kind : undefined;
  };
}

/** Drops local files into the drop-zone under `prefix` (what an upstream export job would do). */
export async function dropFiles(
  client: S3Client,
  bucket: string,
  prefix: string,
  files: { path: string; name: string }[],
): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const keys: string[] = [];
  for (const f of files) {
    const key = `${prefix}${f.name}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(f.path) }));
    keys.push(key);
  }
  return keys;
}
