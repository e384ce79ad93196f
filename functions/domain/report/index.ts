// The weekly executive report's domain: view model, summary, movers, readiness checks, formatting.
export { createFormatter, NOT_AVAILABLE, type Formatter, type ValueFormat } from './format';
export { accountMovements, GAIN_KINDS, MOVEMENT_KINDS, type AccountMovement, type MovementKind } from './movements';
export { dataQualityOf, type DataQuality, type IngestRunSummary, type SourceQuality } from './data-quality';
export { checkFreshness, checkSanity, type FreshnessPolicy, type IngestRunLike, type Problem } from './readiness';
export {
  cohortHeatmap,
  heatmapColor,
  HEATMAP_AGES,
  HEATMAP_COHORTS,
  HEATMAP_SCALE,
  HEATMAP_TEXT,
  type CohortHeatmap,
  type HeatmapCell,
  type HeatmapRow,
} from './cohort-heatmap';
export {
  attainmentRows,
  chartMarkers,
  forecastFigures,
  outlookView,
  planOf,
  reportOutlook,
  trendAnnotations,
  type Annotation,
  type AnnotationRow,
  type AttainmentRow,
  type ForecastError,
  type ForecastFigures,
  type OutlookInput,
  type OutlookView,
} from './outlook';
export { computeWeeklyReportData, reportUsageFrom, weeklyReportInput, type WeeklyReportData } from './inputs';
export {
  buildWeeklyReportView,
  FX_ROW_LABEL,
  changeOf,
  componentReason,
  healthReason,
  renderSubject,
  summarize,
  type BridgeRow,
  type Change,
  type HeadlineItem,
  type HealthSlice,
  type MoverRow,
  type RiskRow,
  type SegmentRow,
  type Tone,
  type TrendRow,
  type WeeklyReportInput,
  type WeeklyReportView,
} from './view-model';
