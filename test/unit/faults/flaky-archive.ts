// An archive in memory whose conditional puts start failing after `okPuts` of them, as S3 does
// mid-upload (an InternalError, 500). Its puts are atomic, like S3's If-None-Match.
import type { ArchiveStore } from '../../../functions/ports/archive';

export class FlakyArchive implements ArchiveStore {
  readonly objects = new Map<string, Uint8Array>();
  putsLeft: number;
  /** Conditional puts attempted (the failing ones included). */
  attempts = 0;
  constructor(okPuts = Infinity) {
    this.putsLeft = okPuts;
  }
  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    this.attempts++;
    if (this.putsLeft-- <= 0)
      throw Object.assign(new Error('We encountered an internal error. Please try again.'), {
        name: 'InternalError',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
    if (this.objects.has(key)) return false;
    this.objects.set(key, body);
    return true;
  }
  async put(key: string, body: Uint8Array): Promise<void> {
    this.objects.set(key, body);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
