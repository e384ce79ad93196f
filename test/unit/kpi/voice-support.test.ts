import { describe, expect, it } from 'vitest';
import { computeSupport, computeVoice } from '../../../functions/domain/kpi/voice-support';
import { nps, ticket } from './builders';

const AS_OF = '2026-11-22';

describe('NPS and CSAT', () => {
  it('NPS over responses dated [asOf - 89, asOf], in points', () => {
    const v = computeVoice(
      [
        nps('A', '2026-08-25', 10), // first day of the window: promoter
        nps('A', '2026-11-22', 9), // promoter
        nps('B', '2026-10-01', 8), // passive
        nps('C', '2026-10-01', 7), // passive
        nps('D', '2026-10-01', 6), // detractor
        nps('E', '2026-08-24', 0), // before the window
        nps('E', '2026-11-23', 0), // after asOf
      ],
      [],
      AS_OF,
    );
    expect(v).toMatchObject({ promoters: 2, passives: 2, detractors: 1, npsResponses: 5, nps: 20 });
  });

  it('CSAT over rated tickets closed in [asOf - 29, asOf]: share of 4 and 5, in points', () => {
    const v = computeVoice(
      [],
      [
        ticket('A', 'p3', '2026-10-01', '2026-10-24', 5), // first day of the window
        ticket('A', 'p3', '2026-11-01', '2026-11-22', 4),
        ticket('A', 'p3', '2026-11-01', '2026-11-02', 3),
        ticket('A', 'p3', '2026-11-01', '2026-11-03'), // no rating
        ticket('A', 'p3', '2026-10-01', '2026-10-23', 1), // before the window
        ticket('A', 'p3', '2026-11-01', '2026-11-23', 1), // closed after asOf
      ],
      AS_OF,
    );
    expect(v).toMatchObject({ csatResponses: 3, csatSatisfied: 2 });
    expect(v.csat).toBeCloseTo(200 / 3, 12);
  });

  it('is null with no responses', () => {
    expect(computeVoice([], [], AS_OF)).toMatchObject({ nps: null, npsResponses: 0, csat: null, csatResponses: 0 });
  });
});

describe('support', () => {
  it('opened this week, P1 opened this week, P1 open at asOf', () => {
    const s = computeSupport(
      [
        ticket('A', 'p1', '2026-11-16'), // opened this week, open
        ticket('A', 'p2', '2026-11-22', '2026-11-22'),
        ticket('A', 'p1', '2026-11-15'), // last week, still open
        ticket('A', 'p1', '2026-11-01', '2026-11-23'), // closed after asOf: open at asOf
        ticket('A', 'p1', '2026-11-01', '2026-11-22'), // closed on asOf
        ticket('A', 'p1', '2026-11-23'), // opened after asOf
      ],
      AS_OF,
    );
    expect(s).toEqual({ openedThisWeek: 2, p1OpenedThisWeek: 1, p1OpenAtAsOf: 3 });
  });
});
