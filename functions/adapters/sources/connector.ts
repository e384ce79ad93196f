// The SourceConnector port on S3 and HTTP: the configured sources through connectSource, a
// drop-zone folder as the DropZoneParts the split needs, and stray uploads moved to failed/.
import type { DropZoneSourceDefinition, SourceDefinition } from '../../domain/sources/registry';
import type { DropZoneParts } from '../../ports/file-parts';
import type { ContractSource } from '../../ports/source';
import type { ConnectRequest, SourceConnector } from '../../ports/source-connector';
import { DropZoneSource, INCOMING_PREFIX, patternRecogniser } from '../s3/dropzone-source';
import { connectSource, dropZonePrefix, type ConnectDeps } from './connect';

export class ConfiguredSourceConnector implements SourceConnector {
  constructor(private readonly deps: ConnectDeps) {}

  connect(def: SourceDefinition, request: ConnectRequest = {}): ContractSource {
    return connectSource(def, this.deps, {
      ...(request.keys ? { keys: request.keys } : {}),
      ...(request.full ? { full: true } : {}),
      ...(request.remainingMs ? { remainingMs: request.remainingMs } : {}),
    });
  }

  dropZone(def: DropZoneSourceDefinition, keys?: string[]): DropZoneParts {
    return new DropZoneSource({
      client: this.deps.s3,
      bucket: this.deps.dropzoneBucket,
      prefix: dropZonePrefix(def.name),
      ...(keys ? { keys } : {}),
      recognise: patternRecogniser(def.files, def.entities),
    });
  }

  setAside(key: string, runId: string): Promise<string> {
    return new DropZoneSource({
      client: this.deps.s3,
      bucket: this.deps.dropzoneBucket,
      prefix: INCOMING_PREFIX,
      keys: [key],
    }).move(key, 'failed', runId);
  }
}
