// The demo company's history, validated the way ingest validates it: the shared input of tests
// that need realistic data. Generated (so always the same for the same options) and cached.
import { generateDemoData } from '../../functions/adapters/sources/demo';
import { ENTITY_NAMES } from '../../functions/domain/contract/entities';
import { emptyDataset, latestById, RowValidator, type Dataset } from '../../functions/domain/contract/validate';

const cache = new Map<string, Dataset>();

export function validatedDemoDataset(opts: { endDate?: string; accounts?: number; seed?: number } = {}): Dataset {
  const o = { endDate: opts.endDate ?? '2026-11-23', accounts: opts.accounts ?? 120, seed: opts.seed ?? 42 };
  const id = JSON.stringify(o);
  const hit = cache.get(id);
  if (hit) return hit;
  const raw = generateDemoData({ ...o, weekStartsOn: 1 });
  const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
  const data = emptyDataset();
  for (const entity of ENTITY_NAMES) {
    const records = raw[entity].map((row) => {
      const r = validator.validate(entity, row);
      if (!r.ok) throw new Error(`demo ${entity} row invalid: ${JSON.stringify(r.errors)}`);
      return r.record;
    });
    (data[entity] as unknown[]) = latestById(entity, records as never);
  }
  cache.set(id, data);
  return data;
}
