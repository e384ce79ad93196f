// Per-source sync state: what an incremental source remembers between runs (the high-water mark
// of each HTTP resource). Written only after the rows it covers were stored, so a crash refetches.

export interface SyncStateStore {
  get(source: string, key: string): Promise<string | undefined>;
  put(source: string, key: string, value: string): Promise<void>;
  /** Forgets a source's state (a full resync), e.g. `pulse sources sync <name> --full`. */
  clear?(source: string, key: string): Promise<void>;
  /** Every value of a source whose key starts with `prefix` (side records such as billing e-mail domains). */
  list?(source: string, prefix: string): Promise<{ key: string; value: string }[]>;
}
