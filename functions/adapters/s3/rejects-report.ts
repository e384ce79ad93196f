// The rejects report in S3: `rejects/<runId>/rejects.csv` (or .ndjson), one line per problem with
// source, file, line, field, reason and the raw row; every cell is text, neutralised against
// formula injection (raw rows are untrusted input, and people open this in Excel).
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify/sync';
import type { RowError } from '../../domain/contract/validate';
import { neutraliseFormula } from '../../domain/spreadsheet';
import type { RejectsReportWriter } from '../../ports/rejects-report';

export const REJECTS_COLUMNS = ['source', 'file', 'line', 'field', 'reason', 'raw'] as const;

export const rejectsKey = (runId: string, format: 'csv' | 'ndjson' = 'csv') => `rejects/${runId}/rejects.${format}`;

export function rejectsCsv(source: string, rejects: readonly RowError[]): string {
  return stringify(
    rejects.map((r) => [source, r.file, String(r.line), r.field, r.reason, r.raw ?? ''].map(neutraliseFormula)),
    { header: true, columns: [...REJECTS_COLUMNS], record_delimiter: '\r\n' },
  );
}

export function rejectsNdjson(source: string, rejects: readonly RowError[]): string {
  return (
    rejects
      .map((r) =>
        JSON.stringify({ source, file: r.file, line: r.line, field: r.field, reason: r.reason, raw: r.raw ?? null }),
      )
      .join('\n') + '\n'
  );
}

export class S3RejectsReport implements RejectsReportWriter {
  constructor(private readonly opts: { client: S3Client; bucket: string; format?: 'csv' | 'ndjson' }) {}

  async write(runId: string, source: string, rejects: readonly RowError[]): Promise<string> {
    const format = this.opts.format ?? 'csv';
    const key = rejectsKey(runId, format);
    const body = format === 'csv' ? rejectsCsv(source, rejects) : rejectsNdjson(source, rejects);
    await this.opts.client.send(
      new PutObjectCommand({
        Bucket: this.opts.bucket,
        Key: key,
        Body: body,
        ContentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      }),
    );
    return `s3://${this.opts.bucket}/${key}`;
  }
}
