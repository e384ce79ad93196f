// Plan inputs (targets, annotations) and attainment against them. Pure. Shapes in ./types.ts.
export { annotationKey, annotationsBetween } from './annotations';
export { ATTAINMENT_FORECAST_MAX_DAYS, actualFor, attainmentAt, type AttainmentForecast } from './attainment';
export { FISCAL_PERIOD_PATTERN, fiscalPeriod, fiscalPeriodsOf } from './fiscal';
export { backtestView, errorLine, forecastView, type ForecastReport, type TextSection } from './forecast-view';
export { annotationsJson, attainmentJson } from './json';
export type * from './types';
export { ANNOTATION_METRICS, ANNOTATION_TREND_FIGURE, TARGET_METRICS, TARGET_UNITS } from './types';
