// Segment splits: the same KPIs over only one segment's accounts (computed by computeSegmentKpis).
//
// An account's segment is the `segment` of its account row; accounts without an account row, or
// with an empty segment, are in "Unassigned". Every record that belongs to an account (lines,
// renewals, opportunities, usage, tickets, NPS) goes with its account, so the segments partition
// the company and additive figures of all segments sum to the company total. Spend is not
// attributed to segments: each segment sees the company's spend rows but reports CAC, LTV:CAC
// and CAC payback as null.
import type { Account } from '../contract/entities';
import type { Dataset } from '../contract/validate';
import { unconvertedRows, withUnconverted } from '../fx';

export const UNASSIGNED_SEGMENT = 'Unassigned';

/** account_id -> segment, for every account row with a non-empty segment. */
export function segmentsByAccount(accounts: readonly Account[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of accounts) {
    const s = a.segment?.trim();
    if (s) out.set(a.accountId, s);
    else out.delete(a.accountId);
  }
  return out;
}

export function segmentOf(segments: ReadonlyMap<string, string>, accountId: string): string {
  return segments.get(accountId) ?? UNASSIGNED_SEGMENT;
}

type AccountEntity = Exclude<keyof Dataset, 'spend' | 'fx_rates' | 'targets' | 'annotations'>;
const ACCOUNT_ENTITIES: readonly AccountEntity[] = [
  'accounts',
  'subscriptions',
  'renewals',
  'expansions',
  'usage',
  'tickets',
  'nps',
];

/** Splits the dataset by segment; every part carries the company's spend and fx_rates rows. Sorted by segment name. */
export function partitionBySegment(data: Dataset): Map<string, Dataset> {
  const segments = segmentsByAccount(data.accounts);
  const parts = new Map<string, Dataset>();
  const part = (segment: string): Dataset => {
    let p = parts.get(segment);
    if (!p) {
      // Targets are the company's plan, not a segment's; annotations are company-wide notes.
      p = {
        accounts: [],
        subscriptions: [],
        renewals: [],
        expansions: [],
        usage: [],
        tickets: [],
        nps: [],
        spend: data.spend,
        fx_rates: data.fx_rates,
        targets: [],
        annotations: data.annotations,
      };
      parts.set(segment, p);
    }
    return p;
  };
  for (const entity of ACCOUNT_ENTITIES) {
    for (const r of data[entity] as { accountId: string }[]) {
      (part(segmentOf(segments, r.accountId))[entity] as { accountId: string }[]).push(r);
    }
  }
  // Rows left out for want of a rate go with their account's segment too.
  const unconverted = unconvertedRows(data);
  for (const [segment, p] of parts)
    withUnconverted(
      p,
      unconverted.filter((r) => segmentOf(segments, r.accountId) === segment),
    );
  return new Map([...parts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Only the records of one segment's accounts (plus the company's spend rows). */
export function filterDatasetToSegment(data: Dataset, segment: string): Dataset {
  const segments = segmentsByAccount(data.accounts);
  const keep = (r: { accountId: string }): boolean => segmentOf(segments, r.accountId) === segment;
  return withUnconverted(
    {
      accounts: data.accounts.filter(keep),
      subscriptions: data.subscriptions.filter(keep),
      renewals: data.renewals.filter(keep),
      expansions: data.expansions.filter(keep),
      usage: data.usage.filter(keep),
      tickets: data.tickets.filter(keep),
      nps: data.nps.filter(keep),
      spend: data.spend,
      fx_rates: data.fx_rates,
      targets: [],
      annotations: data.annotations,
    },
    unconvertedRows(data).filter(keep),
  );
}
