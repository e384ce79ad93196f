// The board pack of a fiscal quarter, on demand (`pulse archive board-pack --quarter FY2027-Q3`):
// load the stored data, lay the pack out as of the quarter's last day (functions/domain/board-pack)
// and draw it as a PDF. The quarter-end archive pack writes the same PDF (archive-week.ts).
import type { Dataset } from '../domain/contract/validate';
import { todayIn, type IsoDate } from '../domain/dates';
import { boardPackFromData, type BoardPackDocument } from '../domain/board-pack';
import type { KpiScopes, KpiSettings } from '../domain/kpi';
import { fiscalPeriod, type FiscalPeriod } from '../domain/plan';
import { reportUsageFrom } from '../domain/report';
import type { BoardPackRenderer } from '../ports/board-pack-renderer';

export class BoardPackError extends Error {
  override readonly name = 'BoardPackError';
  constructor(
    readonly code: 'BAD_QUARTER' | 'QUARTER_NOT_OVER',
    message: string,
  ) {
    super(message);
  }
}

export interface BoardPackSettings {
  kpi: KpiSettings;
  companyName: string;
  locale: string;
  timeZone: string;
}

export interface BoardPackResult {
  quarter: FiscalPeriod;
  fileName: string;
  pdf: Uint8Array;
  document: BoardPackDocument;
}

/** A fiscal quarter label (`FY2027-Q3`) as its period; refused when it is no quarter or has not ended by `today`. */
export function completeQuarter(label: string, fiscalYearStartMonth: number, today: IsoDate): FiscalPeriod {
  const q = fiscalPeriod(label, fiscalYearStartMonth);
  if (q?.kind !== 'quarter')
    throw new BoardPackError(
      'BAD_QUARTER',
      `"${label}" is not a fiscal quarter (FY2027-Q3: the fiscal year named by the calendar year it ends in, then the quarter)`,
    );
  if (q.end >= today)
    throw new BoardPackError(
      'QUARTER_NOT_OVER',
      `${q.label} (${q.start} .. ${q.end}) is not over yet: a board pack is made once the quarter's last day has passed`,
    );
  return q;
}

/** Lays out and draws the board pack of `data` for a quarter (the data and its KPI indexes as the caller has them). */
export async function boardPackOf(
  renderer: BoardPackRenderer,
  settings: Omit<BoardPackSettings, 'timeZone'>,
  data: Dataset,
  quarter: FiscalPeriod,
  generatedAt: string,
  scopes?: KpiScopes,
): Promise<BoardPackResult> {
  const document = boardPackFromData(data, settings.kpi, quarter, {
    companyName: settings.companyName,
    locale: settings.locale,
    generatedAt,
    ...(scopes ? { scopes } : {}),
  });
  return { quarter, fileName: document.fileName, pdf: await renderer.renderBoardPack(document), document };
}

export interface BoardPackDeps {
  /** The stored data (usage from the given week on is enough). */
  loadDataset(opts: { usageFrom: IsoDate }): Promise<Dataset>;
  renderer: BoardPackRenderer;
  now?: () => Date;
}

/** `pulse archive board-pack --quarter FY2027-Q3`: the pack of a complete quarter from the stored data. */
export async function makeBoardPack(
  deps: BoardPackDeps,
  settings: BoardPackSettings,
  quarterLabel: string,
): Promise<BoardPackResult> {
  const now = deps.now ?? (() => new Date());
  const quarter = completeQuarter(quarterLabel, settings.kpi.fiscalYearStartMonth, todayIn(settings.timeZone, now()));
  const data = await deps.loadDataset({ usageFrom: reportUsageFrom(quarter.end) });
  return boardPackOf(deps.renderer, settings, data, quarter, now().toISOString());
}
