// Contract CSV files in a folder, written as rows arrive (a million-line export stays small in
// memory): a header of the entity's contract columns, RFC 4180 quoting, CRLF line ends, like the
// demo's files. Each file is written beside its final name and renamed when complete, so a failed
// export never leaves a file that looks whole.
import { stringify, type Stringifier } from 'csv-stringify';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { CONTRACT_COLUMNS, type EntityName } from '../../domain/contract/entities';
import type { ContractFileWriter, WrittenContractFile } from '../../ports/contract-files';

interface OpenFile {
  csv: Stringifier;
  out: WriteStream;
  done: Promise<unknown>;
  rows: number;
}

export class ContractCsvFiles implements ContractFileWriter {
  private readonly files = new Map<EntityName, OpenFile>();
  private ready?: Promise<unknown>;

  constructor(
    private readonly dir: string,
    /** The entities the source yields: each gets a file, even with no rows. */
    private readonly entities: readonly EntityName[],
  ) {}

  private async open(entity: EntityName): Promise<OpenFile> {
    let f = this.files.get(entity);
    if (f) return f;
    await (this.ready ??= mkdir(this.dir, { recursive: true }));
    f = this.files.get(entity);
    if (f) return f;
    const out = createWriteStream(this.partial(entity));
    const csv = stringify({ header: true, columns: [...CONTRACT_COLUMNS[entity]], record_delimiter: 'windows' });
    csv.pipe(out);
    f = { csv, out, done: once(out, 'finish'), rows: 0 };
    this.files.set(entity, f);
    return f;
  }

  private partial(entity: EntityName): string {
    return join(this.dir, `.${entity}.csv.partial`);
  }

  async write(entity: EntityName, fields: Readonly<Record<string, unknown>>): Promise<void> {
    const f = await this.open(entity);
    const record: Record<string, string> = {};
    for (const c of CONTRACT_COLUMNS[entity]) {
      const v = fields[c];
      record[c] = v === undefined || v === null ? '' : String(v);
    }
    f.rows++;
    if (!f.csv.write(record)) await once(f.csv, 'drain');
  }

  async close(): Promise<WrittenContractFile[]> {
    for (const e of this.entities) await this.open(e);
    const written: WrittenContractFile[] = [];
    for (const [entity, f] of this.files) {
      f.csv.end();
      await f.done;
      const file = join(this.dir, `${entity}.csv`);
      await rename(this.partial(entity), file);
      written.push({ entity, file, rows: f.rows });
    }
    return written;
  }

  /** Removes the unfinished files of a failed export. */
  async discard(): Promise<void> {
    for (const [entity, f] of this.files) {
      f.csv.destroy();
      f.out.destroy();
      await rm(this.partial(entity), { force: true });
    }
    this.files.clear();
  }
}
