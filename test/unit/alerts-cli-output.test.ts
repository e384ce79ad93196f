import { describe, expect, it } from 'vitest';
import { printRunResult } from '../../bin/commands/alerts';
import type { AlertRunResult } from '../../functions/app/evaluate-alerts';

describe('pulse alerts run output', () => {
  it('prints one line per message: same-subject digests to two owners are two lines, a batched message lists its recipients', () => {
    const subject = 'Your accounts at risk 2026-11-23: 2 new; 2 open';
    const result: AlertRunResult = {
      today: '2026-11-23',
      digest: true,
      accountsEvaluated: 10,
      statesWritten: 0,
      conflictsRetried: 0,
      notices: [],
      open: 4,
      sends: [
        {
          key: { kind: 'alert-digest:owner', period: '2026-11-23', recipient: 'a@x.example' },
          status: 'sent',
          subject,
          messageId: 'm1',
        },
        {
          key: { kind: 'alert-digest:owner', period: '2026-11-23', recipient: 'b@x.example' },
          status: 'sent',
          subject,
          messageId: 'm2',
        },
        {
          key: { kind: 'alert-critical', period: 'p', recipient: 'cco@x.example' },
          status: 'sent',
          subject: 'CRITICAL: 2 risks',
          messageId: 'm3',
        },
        {
          key: { kind: 'alert-critical', period: 'p', recipient: 'ceo@x.example' },
          status: 'sent',
          subject: 'CRITICAL: 2 risks',
          messageId: 'm3',
        },
      ],
    };
    const lines: string[] = [];
    printRunResult(result, (s) => lines.push(s));
    expect(lines).toContain(`  sent      ${subject}  -> a@x.example`);
    expect(lines).toContain(`  sent      ${subject}  -> b@x.example`);
    expect(lines).toContain('  sent      CRITICAL: 2 risks  -> cco@x.example, ceo@x.example');
    expect(lines[1]).toMatch(/^emails: 3 sent/);
  });
});
