// The identity of a record from a raw row, for deletes: a source that says "this record is gone"
// often sends only its id, so only the id columns are read and checked.
import type { EntityName, EntityTypes } from '../contract/entities';
import { isIsoDate, startOfWeek, type IsoWeekday } from '../dates';
import type { MappingError } from './mapping';

export type IdentityResult<K extends EntityName> =
  | { ok: true; record: Partial<EntityTypes[K]> }
  | { ok: false; errors: MappingError[] };

const ID_COLUMNS: { [K in EntityName]: [column: string, property: string][] } = {
  accounts: [['account_id', 'accountId']],
  subscriptions: [['line_id', 'lineId']],
  renewals: [['renewal_id', 'renewalId']],
  expansions: [['opportunity_id', 'opportunityId']],
  usage: [
    ['account_id', 'accountId'],
    ['week', 'week'],
  ],
  tickets: [['ticket_id', 'ticketId']],
  nps: [['response_id', 'responseId']],
  spend: [['month', 'month']],
  fx_rates: [
    ['date', 'date'],
    ['currency', 'currency'],
  ],
  targets: [
    ['metric', 'metric'],
    ['period', 'period'],
  ],
  annotations: [
    ['date', 'date'],
    ['text', 'text'],
  ],
};

export function identityOf<K extends EntityName>(
  entity: K,
  fields: Record<string, unknown>,
  weekStartsOn: IsoWeekday,
): IdentityResult<K> {
  const record: Record<string, string> = {};
  const errors: MappingError[] = [];
  for (const [column, property] of ID_COLUMNS[entity]) {
    const v = fields[column];
    const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
    if (s === '') {
      errors.push({ field: column, reason: 'is required (to delete a record its id is needed)' });
      continue;
    }
    record[property] = s;
  }
  if (entity === 'usage' && record.week !== undefined) {
    if (!isIsoDate(record.week))
      errors.push({ field: 'week', reason: `"${record.week}" is not a calendar date (expected YYYY-MM-DD)` });
    else record.week = startOfWeek(record.week, weekStartsOn);
  }
  if (entity === 'fx_rates') {
    if (record.date !== undefined && !isIsoDate(record.date))
      errors.push({ field: 'date', reason: `"${record.date}" is not a calendar date (expected YYYY-MM-DD)` });
    if (record.currency !== undefined) {
      if (!/^[A-Za-z]{3}$/.test(record.currency))
        errors.push({
          field: 'currency',
          reason: `"${record.currency}" is not a currency code (ISO 4217: three letters, e.g. EUR)`,
        });
      else record.currency = record.currency.toUpperCase();
    }
  }
  if (entity === 'targets') {
    if (record.metric !== undefined) record.metric = record.metric.toLowerCase();
    if (record.period !== undefined) record.period = record.period.toUpperCase();
  }
  if (entity === 'spend' && record.month !== undefined && !/^\d{4}-\d{2}$/.test(record.month)) {
    errors.push({ field: 'month', reason: `"${record.month}" is not a month (expected YYYY-MM)` });
  }
  return errors.length ? { ok: false, errors } : { ok: true, record: record as Partial<EntityTypes[K]> };
}
