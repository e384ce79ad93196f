// Customer voice (NPS, CSAT) and support volume.
import { addDays, type IsoDate } from '../dates';
import type { NpsResponse, Ticket } from '../contract/entities';
import type { SupportResult, VoiceResult } from './types';

/** NPS over responses dated [asOf - 89, asOf]; CSAT over rated tickets closed in [asOf - 29, asOf]. */
export function computeVoice(nps: readonly NpsResponse[], tickets: readonly Ticket[], asOf: IsoDate): VoiceResult {
  const npsFrom = addDays(asOf, -89);
  const csatFrom = addDays(asOf, -29);
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const r of nps) {
    if (r.date < npsFrom || r.date > asOf) continue;
    if (r.score >= 9) promoters++;
    else if (r.score >= 7) passives++;
    else detractors++;
  }
  let csatSatisfied = 0;
  let csatResponses = 0;
  for (const t of tickets) {
    if (t.csat === undefined || t.closedDate === undefined) continue;
    if (t.closedDate < csatFrom || t.closedDate > asOf) continue;
    csatResponses++;
    if (t.csat >= 4) csatSatisfied++;
  }
  const npsResponses = promoters + passives + detractors;
  return {
    npsFrom,
    promoters,
    passives,
    detractors,
    npsResponses,
    nps: npsResponses > 0 ? (100 * (promoters - detractors)) / npsResponses : null,
    csatFrom,
    csatSatisfied,
    csatResponses,
    csat: csatResponses > 0 ? (100 * csatSatisfied) / csatResponses : null,
  };
}

/** NPS alone (for the trend). */
export function npsAt(nps: readonly NpsResponse[], asOf: IsoDate): number | null {
  return computeVoice(nps, [], asOf).nps;
}

/** Tickets opened in the week [asOf - 6, asOf], P1s among them, and P1s open at asOf. */
export function computeSupport(tickets: readonly Ticket[], asOf: IsoDate): SupportResult {
  const weekStart = addDays(asOf, -6);
  let openedThisWeek = 0;
  let p1OpenedThisWeek = 0;
  let p1OpenAtAsOf = 0;
  for (const t of tickets) {
    if (t.openedDate > asOf) continue;
    const p1 = t.priority === 'p1';
    if (t.openedDate >= weekStart) {
      openedThisWeek++;
      if (p1) p1OpenedThisWeek++;
    }
    if (p1 && (t.closedDate === undefined || t.closedDate > asOf)) p1OpenAtAsOf++;
  }
  return { openedThisWeek, p1OpenedThisWeek, p1OpenAtAsOf };
}
