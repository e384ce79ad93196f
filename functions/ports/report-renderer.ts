// The rendering port: the weekly report's view model in, a finished email out (subject, HTML with
// inlined CSS, plain text, inline chart images). Handlebars templates and charts in the adapter.
import type { WeeklyReportView } from '../domain/report';
import type { InlineImage } from './mailer';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** Referenced from the HTML as `cid:<cid>`. */
  images: InlineImage[];
}

/** What the operator is told when the report is held back. */
export interface DelayedNotice {
  companyName: string;
  week: string;
  asOf: string;
  /** One sentence per failed check. */
  problems: string[];
  /** What happens next, e.g. how to send once fixed. */
  nextStep: string;
}

export interface ReportRenderer {
  renderWeeklyReport(view: WeeklyReportView): Promise<RenderedEmail>;
  renderDelayedNotice(notice: DelayedNotice): Promise<RenderedEmail>;
}
