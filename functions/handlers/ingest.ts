// Ingest from the S3 drop-zone: on an S3 "object created" event, the new objects; on the daily
// schedule, everything waiting under `incoming/`.
import { DropZoneSource } from '../adapters/s3/dropzone-source';
import { ingest } from '../app/ingest';
import { getRuntime } from './runtime';

interface S3EventRecord {
  s3: { bucket: { name: string }; object: { key: string } };
}

export interface IngestEvent {
  Records?: S3EventRecord[];
}

export async function handler(event: IngestEvent = {}) {
  const { env, s3, store, validator } = getRuntime();
  const keys = event.Records?.map((r) => decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')));
  const source = new DropZoneSource({ client: s3, bucket: env.PULSE_DROPZONE_BUCKET, prefix: 'incoming/', keys });
  const { summary, written } = await ingest(source, validator, store);
  const result = { source: summary.source, written, rejected: summary.rejects.length, ignored: summary.ignoredFiles };
  console.log(JSON.stringify({ level: 'INFO', message: 'ingest finished', ...result }));
  return result;
}
