// The S3 drop-zone as a contract source: objects under `incoming/<source>/` named like contract
// files (`accounts.csv`, `usage.ndjson.gz`) are streamed row by row, never loaded whole.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { readRows, recogniseFile } from '../sources/file-reader';
import type { ContractSource, SourceFile } from '../../ports/source';
import { ENTITY_NAMES } from '../../domain/contract/entities';

export interface DropZoneOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix to read, e.g. `incoming/` or `incoming/billing/`. */
  prefix: string;
  /** Read only these keys (an S3 event names the object that arrived). */
  keys?: string[];
}

export class DropZoneSource implements ContractSource {
  readonly description: string;
  private listed?: Promise<string[]>;

  constructor(private readonly opts: DropZoneOptions) {
    this.description = `s3://${opts.bucket}/${opts.prefix}`;
  }

  /** Every key under the prefix (or the given keys), in contract entity order. */
  keys(): Promise<string[]> {
    this.listed ??= this.opts.keys ? Promise.resolve([...this.opts.keys]) : this.listAll();
    return this.listed.then((keys) =>
      keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)),
    );
  }

  async *files(): AsyncGenerator<SourceFile> {
    for (const key of await this.keys()) {
      const kind = recogniseFile(key);
      if (!kind) continue;
      yield {
        entity: kind.entity,
        name: key,
        rows: () => this.rowsOf(key, kind.format, kind.gzip),
      };
    }
  }

  async ignored(): Promise<string[]> {
    return (await this.keys()).filter((k) => !recogniseFile(k) && !k.endsWith('/'));
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

function rank(key: string): number {
  const e = recogniseFile(key)?.entity;
  return e ? ENTITY_NAMES.indexOf(e) : ENTITY_NAMES.length;
}

/** Drops local files into the drop-zone under `prefix` (what an upstream export job would do). */
export async function dropFiles(client: S3Client, bucket: string, prefix: string, files: { path: string; name: string }[]): Promise<string[]> {
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
