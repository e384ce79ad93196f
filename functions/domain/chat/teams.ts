// Adaptive Cards (schema 1.4, what Teams renders) for the Workflows webhook: the same alerts and
// Monday headline as the Slack messages and the e-mails, from the same view models. Pure: no I/O.
import type { CriticalAlertView, DigestModel } from '../alerts/messages';
import type { HeadlineModel } from './headline';

export type CardElement = Record<string, unknown>;

export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: '1.4';
  body: CardElement[];
  actions?: CardElement[];
  msteams: { width: 'Full' };
}

export interface TeamsPost {
  /** One line, for logs and the run ledger. */
  summary: string;
  card: AdaptiveCard;
}

/** Items per digest section and rows of the at-risk list: a card stays readable (and under the 28 KB a Teams message allows). */
const MAX_ITEMS = 15;

const card = (body: CardElement[], actions?: CardElement[]): AdaptiveCard => ({
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  type: 'AdaptiveCard',
  version: '1.4',
  body,
  ...(actions?.length ? { actions } : {}),
  msteams: { width: 'Full' },
});
const text = (t: string, extra: CardElement = {}): CardElement => ({
  type: 'TextBlock',
  text: t,
  wrap: true,
  ...extra,
});
const facts = (pairs: readonly [string, string][]): CardElement => ({
  type: 'FactSet',
  facts: pairs.map(([title, value]) => ({ title, value })),
});

/** One critical alert (opened or escalated). */
export function criticalAlertCard(alert: CriticalAlertView, company: string): TeamsPost {
  const body: CardElement[] = [
    text(`Critical: ${alert.accountName}`, { size: 'Large', weight: 'Bolder', color: 'Attention' }),
    text(`**${alert.ruleTitle}**: ${alert.event}`),
    text(alert.why),
    facts([
      ['ARR', alert.arr],
      ['Renewal', alert.renewal || 'no open renewal'],
      ['Owner', alert.owner],
      ['Play', alert.play],
      ...alert.signals.map((s): [string, string] => [s.label, `${s.value}${s.threshold ? ` (${s.threshold})` : ''}`]),
    ]),
    text(`${company} · Pulse renewal-risk alert ${alert.id}`, { isSubtle: true, size: 'Small' }),
  ];
  return { summary: `CRITICAL: ${alert.accountName} - ${alert.ruleTitle}`, card: card(body) };
}

/** The CCO's daily digest. */
export function digestCard(model: DigestModel): TeamsPost {
  const body: CardElement[] = [text(model.subject, { size: 'Large', weight: 'Bolder' })];
  if (model.intro) body.push(text(model.intro));
  body.push(text(`**${model.summary}**`));
  for (const s of model.sections) {
    body.push(text(`${s.title} (${s.items.length})`, { weight: 'Bolder', separator: true }));
    for (const a of s.items.slice(0, MAX_ITEMS)) {
      const head = `**${a.accountName}**: ${a.ruleTitle}${a.critical ? ' · **CRITICAL**' : ''} · ${a.arr} ARR${a.renewal ? ` · ${a.renewal}` : ''} · owner ${a.owner}`;
      body.push(
        text(`${head}\n\n${a.resolution || a.why}${a.resolution ? '' : `\n\nPlay: ${a.play}`}`, { spacing: 'Small' }),
      );
    }
    if (s.items.length > MAX_ITEMS) body.push(text(`… and ${s.items.length - MAX_ITEMS} more`, { isSubtle: true }));
  }
  if (model.atRisk.length) {
    body.push(text(model.atRiskTitle, { weight: 'Bolder', separator: true }));
    body.push(
      facts(
        model.atRisk
          .slice(0, MAX_ITEMS)
          .map((r): [string, string] => [
            `${r.rank}. ${r.accountName}`,
            `${r.arr}${r.critical ? ' · CRITICAL' : ''} · ${r.alerts}${r.renewal ? ` · ${r.renewal}` : ''} · owner ${r.owner}`,
          ]),
      ),
    );
  }
  body.push(
    text(`${model.company} · Pulse · ${model.totalOpen} open alert${model.totalOpen === 1 ? '' : 's'}`, {
      isSubtle: true,
      size: 'Small',
    }),
  );
  return { summary: model.subject, card: card(body) };
}

/** The Monday headline, with a button to the archived report when it has a link. */
export function headlineCard(model: HeadlineModel): TeamsPost {
  const body: CardElement[] = [
    text(model.title, { size: 'Large', weight: 'Bolder' }),
    facts(
      model.figures.map((f): [string, string] => [
        f.label,
        `${f.value}${f.change ? ` (${f.change} on last week)` : ''}`,
      ]),
    ),
    text(`The full report went out by e-mail. Archived report: ${model.archive.label}`),
    text(`${model.company} · ${model.range}`, { isSubtle: true, size: 'Small' }),
  ];
  const actions = model.archive.url
    ? [{ type: 'Action.OpenUrl', title: 'Open the archived report', url: model.archive.url }]
    : [];
  return { summary: model.text, card: card(body, actions) };
}
