// Types of duckdb-load.mjs.
import type { DuckDBConnection } from '@duckdb/node-api';
export declare const DUCKDB_TABLES: Record<string, Record<string, string>>;
export declare function loadIntoDuckDb(dir: string): Promise<DuckDBConnection>;
