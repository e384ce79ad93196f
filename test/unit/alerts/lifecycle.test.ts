// The alert lifecycle as sequences of daily observations: open, minimum duration, escalate, flap
// around the threshold without re-notifying, cooldown reminders, resolve, snooze and its expiry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlertActionError,
  snoozeAlert,
  step,
  type AlertKey,
  type AlertState,
  type Notice,
  type Observation,
} from '../../../functions/domain/alerts';
import { addDays } from '../../../functions/domain/dates';
import { obs } from './helpers';

const key: AlertKey = { rule: 'red-health-renewal', accountId: 'A-1', renewalId: 'R-1' };
const day = (n: number) => addDays('2026-11-02', n);

/** Runs observations day by day (undefined: the rule produced nothing). Returns the states and notices. */
function replay(
  seq: (Observation | undefined)[],
  opts: { minBreachDays?: number; cooldownDays?: number; start?: AlertState; from?: number } = {},
) {
  let state = opts.start;
  const notices: Notice[] = [];
  const states: (AlertState | undefined)[] = [];
  seq.forEach((o, i) => {
    const on = day((opts.from ?? 0) + i);
    const r = step(state, key, o, {
      on,
      at: `${on}T07:30:00.000Z`,
      by: 'test',
      minBreachDays: opts.minBreachDays ?? 0,
      cooldownDays: opts.cooldownDays ?? 7,
    });
    state = r.state;
    notices.push(...r.notices);
    states.push(state);
  });
  return { state, notices, states };
}

const B = obs('breach');
const BC = obs('breach', 'critical');
const C = obs('clear');

describe('alert lifecycle', () => {
  it('opens on the first breach and notifies once', () => {
    const { state, notices } = replay([B, B, B]);
    expect(state).toMatchObject({ id: 'red-health-renewal:A-1:R-1', status: 'open', episode: 1, openedOn: day(0) });
    expect(notices.map((n) => [n.kind, n.on])).toEqual([['opened', day(0)]]);
  });

  it('opens only after the minimum breach duration; a gap resets it', () => {
    const { notices, states } = replay([B, B, C, B, B, B, B], { minBreachDays: 3 });
    expect(states.map((s) => s?.status)).toEqual([
      'pending',
      'pending',
      'inactive',
      'pending',
      'pending',
      'pending',
      'open',
    ]);
    expect(notices.map((n) => [n.kind, n.on])).toEqual([['opened', day(6)]]);
  });

  it('escalates warning -> critical once, and never de-escalates while open', () => {
    const { state, notices } = replay([B, B, BC, B, BC, BC]);
    expect(notices.map((n) => [n.kind, n.severity, n.on])).toEqual([
      ['opened', 'warning', day(0)],
      ['escalated', 'critical', day(2)],
    ]);
    expect(state?.severity).toBe('critical');
  });

  it('does not flap: an open alert judged by the exit thresholds stays open without notices', () => {
    // The evaluation layer passes the exit observation for open alerts: a value hovering between the
    // enter (40) and exit (45) thresholds keeps breaching under the exit thresholds.
    const { state, notices } = replay([B, B, B, B, B, B], { cooldownDays: 30 });
    expect(notices).toHaveLength(1);
    expect(state?.status).toBe('open');
  });

  it('re-notifies after the cooldown while still open, then every cooldown', () => {
    const { notices } = replay(Array(16).fill(B), { cooldownDays: 7 });
    expect(notices.map((n) => [n.kind, n.on])).toEqual([
      ['opened', day(0)],
      ['reminder', day(7)],
      ['reminder', day(14)],
    ]);
  });

  it('resolves with a notice when the exit condition holds, with the reason; reopens as a new episode', () => {
    const { state, notices, states } = replay([B, B, C, C, B]);
    expect(states.map((s) => s?.status)).toEqual(['open', 'open', 'resolved', 'resolved', 'open']);
    expect(notices.map((n) => [n.kind, n.episode])).toEqual([
      ['opened', 1],
      ['resolved', 1],
      ['opened', 2],
    ]);
    expect(notices[1]!.id).not.toBe(notices[2]!.id);
    expect(state?.episode).toBe(2);
  });

  it('resolves when the subject disappears (renewal closed), with that reason', () => {
    const { notices } = replay([B, undefined]);
    expect(notices[1]).toMatchObject({ kind: 'resolved', reason: 'no longer evaluated' });
  });

  it('is idempotent: the same date stepped twice changes nothing and notifies nothing', () => {
    const first = replay([B, B, B, B, B, B, B]);
    const again = step(first.state, key, B, {
      on: day(6),
      at: 'later',
      by: 'rerun',
      minBreachDays: 0,
      cooldownDays: 7,
    });
    expect(again.notices).toEqual([]);
    expect(again.changed).toBe(false);
  });

  it('records every transition with when, who and why', () => {
    const { state } = replay([B, BC, C]);
    expect(state!.history.map((t) => [t.event, t.from, t.to, t.by, t.on])).toEqual([
      ['breach-started', 'none', 'pending', 'test', day(0)],
      ['opened', 'pending', 'open', 'test', day(0)],
      ['escalated', 'open', 'open', 'test', day(1)],
      ['resolved', 'open', 'resolved', 'test', day(2)],
    ]);
    expect(state!.history.every((t) => t.why.length > 0 && t.at.startsWith(t.on))).toBe(true);
  });

  describe('snooze and acknowledge', () => {
    const open = replay([B]).state!;
    const snooze = (s: AlertState, until: string, kind: 'snooze' | 'acknowledge' = 'snooze') =>
      snoozeAlert(s, {
        kind,
        until,
        reason: 'exec call booked',
        by: 'cco@northwind.example',
        on: day(1),
        at: `${day(1)}T10:00:00Z`,
        maxDays: 90,
      });

    it('silences reminders until the expiry; reminders resume on the cooldown after it', () => {
      const snoozed = snooze(open, day(10));
      expect(snoozed.history.at(-1)).toMatchObject({
        event: 'snoozed',
        by: 'cco@northwind.example',
        why: expect.stringContaining('exec call booked'),
      });
      const { notices, states } = replay(Array(14).fill(B), { start: snoozed, from: 1, cooldownDays: 7 });
      // Day 7 would have been a reminder; snoozed until day 10; the next reminder is on day 10 (7 days since day 0 have passed).
      expect(notices.map((n) => [n.kind, n.on])).toEqual([['reminder', day(10)]]);
      expect(states.at(-1)!.history.some((t) => t.event === 'snooze-expired')).toBe(true);
      expect(states.at(-1)!.snooze).toBeUndefined();
    });

    it('an escalation still notifies and ends the snooze', () => {
      const { notices, state } = replay([B, BC], { start: snooze(open, day(20), 'acknowledge'), from: 1 });
      expect(notices.map((n) => n.kind)).toEqual(['escalated']);
      expect(state!.snooze).toBeUndefined();
    });

    it('the resolution still notifies', () => {
      expect(replay([C], { start: snooze(open, day(20)), from: 2 }).notices.map((n) => n.kind)).toEqual(['resolved']);
    });

    it('needs a reason, an expiry after today within the maximum, and a live alert', () => {
      expect(() =>
        snoozeAlert(open, { kind: 'snooze', until: day(5), reason: ' ', by: 'x', on: day(1), at: 'x', maxDays: 90 }),
      ).toThrow(AlertActionError);
      expect(() => snooze(open, day(1))).toThrow(/must be after/);
      expect(() => snooze(open, day(200))).toThrow(/more than 90 days/);
      const resolved = replay([C], { start: open, from: 1 }).state!;
      expect(() => snooze(resolved, day(5))).toThrow(/resolved/);
    });
  });

  it('property: no two notifications for the same alert state (episode, severity) within the cooldown, at most one open/escalate/resolve per episode, reruns add nothing', () => {
    const obsArb = fc.oneof(
      fc.constant(B),
      fc.constant(BC),
      fc.constant(C),
      fc.constant(obs('not-applicable')),
      fc.constant(undefined),
    );
    const action = fc.record({
      o: obsArb,
      rerun: fc.boolean(),
      snoozeDays: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 3 }),
        (actions, cooldownDays, minBreachDays) => {
          let state: AlertState | undefined;
          const notices: Notice[] = [];
          actions.forEach((a, i) => {
            const on = day(i);
            const ctx = { on, at: `${on}T07:30:00.000Z`, by: 'p', minBreachDays, cooldownDays };
            if (a.snoozeDays !== undefined && state && (state.status === 'open' || state.status === 'pending')) {
              state = snoozeAlert(state, {
                kind: 'snooze',
                until: day(i + a.snoozeDays),
                reason: 'r',
                by: 'p',
                on,
                at: ctx.at,
                maxDays: 90,
              });
            }
            const r = step(state, key, a.o, ctx);
            state = r.state;
            notices.push(...r.notices);
            if (a.rerun) {
              const again = step(state, key, a.o, { ...ctx, at: `${on}T09:00:00.000Z` });
              expect(again.notices).toEqual([]);
            }
          });
          const groups = new Map<string, Notice[]>();
          for (const n of notices) {
            if (n.kind === 'resolved') continue;
            const k = `${n.episode}|${n.severity}`;
            groups.set(k, [...(groups.get(k) ?? []), n]);
          }
          for (const list of groups.values()) {
            for (let j = 1; j < list.length; j++) {
              const gap = (Date.parse(list[j]!.on) - Date.parse(list[j - 1]!.on)) / 86_400_000;
              expect(gap).toBeGreaterThanOrEqual(cooldownDays);
            }
          }
          for (const kind of ['opened', 'escalated', 'resolved'] as const) {
            const episodes = notices.filter((n) => n.kind === kind).map((n) => n.episode);
            expect(new Set(episodes).size).toBe(episodes.length);
          }
          expect(new Set(notices.map((n) => n.id)).size).toBe(notices.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
