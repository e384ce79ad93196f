// The sync-state port in memory: for tests and dry runs that must remember nothing on disk.
import type { SyncStateStore } from '../../ports/sync-state';

export class InMemorySyncState implements SyncStateStore {
  /** `<source>|<key>` -> value. */
  readonly values = new Map<string, string>();

  async get(source: string, key: string) {
    return this.values.get(`${source}|${key}`);
  }

  async put(source: string, key: string, value: string) {
    this.values.set(`${source}|${key}`, value);
  }

  async clear(source: string, key: string) {
    this.values.delete(`${source}|${key}`);
  }

  async list(source: string, prefix: string) {
    return [...this.values.entries()]
      .filter(([k]) => k.startsWith(`${source}|${prefix}`))
      .map(([k, value]) => ({ key: k.slice(source.length + 1), value }));
  }
}
