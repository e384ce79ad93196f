// Expansion: won this week, the open pipeline at asOf, and the trailing-90-day win rate.
import { addDays, type IsoDate } from '../dates';
import type { Expansion } from '../contract/entities';
import type { ExpansionResult, ExpansionSum } from './types';

/**
 * In the pipeline at asOf: created on or before asOf (or no created_date), and `open`, or won/lost
 * with a close_date after asOf. A won/lost opportunity without a close_date is taken as closed
 * before asOf.
 */
export function inPipelineAt(e: Expansion, asOf: IsoDate): boolean {
  if (e.createdDate !== undefined && e.createdDate > asOf) return false;
  return e.stage === 'open' || (e.closeDate !== undefined && e.closeDate > asOf);
}

export function computeExpansion(expansions: readonly Expansion[], asOf: IsoDate): ExpansionResult {
  const weekStart = addDays(asOf, -6);
  const from90 = addDays(asOf, -89);
  const z = (): ExpansionSum => ({ count: 0, arr: 0, upsell: 0, crossSell: 0 });
  const add = (s: ExpansionSum, e: Expansion): void => {
    s.count++;
    s.arr += e.arr;
    if (e.type === 'upsell') s.upsell += e.arr;
    else s.crossSell += e.arr;
  };
  const wonThisWeek = z();
  const pipeline = z();
  let won90d = 0;
  let lost90d = 0;
  for (const e of expansions) {
    if (inPipelineAt(e, asOf)) add(pipeline, e);
    if (e.stage === 'open' || e.closeDate === undefined) continue;
    if (e.stage === 'won' && e.closeDate >= weekStart && e.closeDate <= asOf) add(wonThisWeek, e);
    if (e.closeDate >= from90 && e.closeDate <= asOf) {
      if (e.stage === 'won') won90d++;
      else lost90d++;
    }
  }
  return {
    wonThisWeek,
    pipeline,
    won90d,
    lost90d,
    winRate90d: won90d + lost90d > 0 ? won90d / (won90d + lost90d) : null,
  };
}
