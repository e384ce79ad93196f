// The Monday headline for the chat channels: the four figures an executive reads first, with the
// week's change, and where the archived report is. Built from the weekly report's own view model,
// so the chat says what the e-mail says.
import { createFormatter } from '../report/format';
import type { HeadlineItem, WeeklyReportView } from '../report/view-model';

export interface HeadlineFigure {
  label: string;
  value: string;
  /** The change on last week (`+$84.5K`, `+0.4 pts`), or empty when there is none to show. */
  change: string;
}

export interface HeadlineModel {
  company: string;
  week: string;
  range: string;
  title: string;
  /** One line: the notification text. */
  text: string;
  figures: HeadlineFigure[];
  archive: { label: string; url: string | null };
}

const FIGURES: readonly HeadlineItem['id'][] = ['closingArr', 'nrr', 'grr', 'arrAtRisk'];

export function headlineModel(view: WeeklyReportView): HeadlineModel {
  const f = createFormatter(view.meta.locale, view.meta.currency);
  const figures = FIGURES.flatMap((id) => {
    const h = view.headline.find((x) => x.id === id);
    if (!h) return [];
    return [
      {
        label: h.label,
        value: f.value(h.value, h.format),
        change: h.change && h.change.direction !== 'flat' ? f.delta(h.change.value, h.format) : '',
      },
    ];
  });
  const title = `${view.meta.companyName} weekly report ${view.meta.week}`;
  return {
    company: view.meta.companyName,
    week: view.meta.week,
    range: view.meta.range,
    title,
    text: `${title}: ${figures.map((x) => `${x.label} ${x.value}`).join(' · ')}`,
    figures,
    archive: view.meta.archive,
  };
}
