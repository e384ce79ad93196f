// A validated demo dataset for the report tests (generated, so always the same for a seed).
import { generateDemoData } from '../../../functions/adapters/sources/demo';
import { ENTITY_NAMES, type EntityName } from '../../../functions/domain/contract/entities';
import { RowValidator, emptyDataset, latestById, type Dataset } from '../../../functions/domain/contract/validate';

const cache = new Map<string, Dataset>();

export function demoDataset(opts: { seed?: number; accounts?: number; endDate?: string } = {}): Dataset {
  const key = JSON.stringify(opts);
  const hit = cache.get(key);
  if (hit) return hit;
  const raw = generateDemoData({ seed: opts.seed ?? 42, accounts: opts.accounts ?? 120, endDate: opts.endDate ?? '2026-11-23', weekStartsOn: 1 }) as unknown as Record<
    EntityName,
    Record<string, string>[]
  >;
  const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
  const data = emptyDataset();
  for (const entity of ENTITY_NAMES) {
    const records = raw[entity].map((row) => {
      const r = validator.validate(entity, row);
      if (!r.ok) throw new Error(`${entity}: ${JSON.stringify(r.errors)}`);
      return r.record;
    });
    (data[entity] as unknown[]) = latestById(entity, records as never);
  }
  cache.set(key, data);
  return data;
}
