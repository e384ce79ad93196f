// The few settings the KPI engine needs, lifted out of the Pulse config so the domain code never
// depends on the config module (only on its type).
import type { PulseConfig } from '../../config';
import { weekdayNumber, type IsoWeekday } from '../dates';

export interface HealthWeights {
  utilization: number;
  usageTrend: number;
  support: number;
  nps: number;
}

export interface KpiSettings {
  /** ISO 4217 code of the reporting currency, echoed in the output. */
  currency: string;
  /** First day of the reporting week: 1 = Monday ... 7 = Sunday. */
  weekStartsOn: IsoWeekday;
  /** Month (1..12) in which the fiscal year starts. */
  fiscalYearStartMonth: number;
  /** Gross margin used in LTV and CAC payback, a fraction (0.8 = 80 %). */
  grossMargin: number;
  /** Cap on the customer lifetime used in LTV, in years. */
  ltvMaxYears: number;
  healthWeights: HealthWeights;
}

export const DEFAULT_KPI_SETTINGS: KpiSettings = Object.freeze({
  currency: 'USD',
  weekStartsOn: 1,
  fiscalYearStartMonth: 1,
  grossMargin: 0.8,
  ltvMaxYears: 5,
  healthWeights: Object.freeze({ utilization: 0.3, usageTrend: 0.3, support: 0.2, nps: 0.2 }),
}) as KpiSettings;

export function kpiSettingsFrom(config: PulseConfig): KpiSettings {
  const w = config.health.weights;
  return {
    currency: config.company.currency,
    weekStartsOn: weekdayNumber(config.company.weekStartsOn),
    fiscalYearStartMonth: config.company.fiscalYearStartMonth,
    grossMargin: config.metrics.grossMargin,
    ltvMaxYears: config.metrics.ltvMaxYears,
    healthWeights: { utilization: w.utilization, usageTrend: w.usageTrend, support: w.support, nps: w.nps },
  };
}
