// The chat channels of the alert and report jobs: Slack and a Microsoft Teams webhook, each only
// when configured (ports/chat.ts). What goes out:
//
//   - each critical alert that opens or escalates: to the Slack channel (with the snooze and
//     acknowledge buttons), as a direct message to the account's owner (found by e-mail; an owner
//     not in Slack gets none, and the channel's copy says so), and to Teams;
//   - the CCO's daily digest (same days, same first-run summary as the e-mail) to the Slack
//     channel and to Teams;
//   - the Monday headline (ARR, NRR, GRR, ARR at risk, the archived report) to the Slack
//     weeklyReportChannel and to Teams.
//
// Once: every post goes through send-once on its own ledger channel (`slack`, `teams`), keyed like
// the e-mails: `alert-critical` / notice id / the Slack channel or the owner's e-mail, or
// `teams-webhook`; `alert-digest:cco` / date / ...; `weekly-headline` / week / .... A rerun, a
// duplicated event or a concurrent run posts nothing twice. Alerts are at least once (`resend`:
// an unknown outcome is posted again by the next run), the headline at most once (`hold`), as
// for the e-mails (docs/alerts.md, "Channels").
//
// Each channel fails on its own: every post is tried whatever happened to the others (and after
// the e-mails), and its outcome is returned for the run ledger.
import { buildCritical, buildDigest, isImmediate, makeFormatter, type AlertState, type Notice } from '../domain/alerts';
import {
  criticalAlertCard,
  criticalAlertPost,
  digestCard,
  digestPost,
  headlineCard,
  headlineModel,
  headlinePost,
} from '../domain/chat';
import type { IsoDate } from '../domain/dates';
import type { WeeklyReportView } from '../domain/report';
import type { AlertStateStore } from '../ports/alerts';
import type { ChatChannels, SlackMember } from '../ports/chat';
import type { DeliveryChannel, SendKey, SendLedger } from '../ports/send-ledger';
import type { RunLedger } from '../ports/run-ledger';
import { recordRunIf } from './record-run';
import { sendOnce, type UnknownOutcomePolicy } from './send-once';

/** The ledger recipient of the Teams webhook (one webhook, one channel). */
export const TEAMS_RECIPIENT = 'teams-webhook';
export const HEADLINE_KIND = 'weekly-headline';

export interface ChatOutcome {
  /** `key.channel` is `slack` or `teams`. */
  key: SendKey;
  status: 'sent' | 'already-sent' | 'in-flight' | 'failed';
  subject?: string;
  messageId?: string;
  error?: string;
}

export interface AlertChatInput {
  today: IsoDate;
  /** The run's instant; digest windows end here. */
  now: string;
  /** Every alert state after this run's evaluation. */
  states: readonly AlertState[];
  companyName: string;
  locale: string;
  currency: string;
  topAtRisk: number;
  /** A digest day (or a forced digest). */
  digest: boolean;
  staleClaimMs: number;
}

type Lookup = { member?: SlackMember; error?: string };

/** Posts the run's critical alerts and (on digest days, or the first run's summary) the digest to each configured chat channel. */
export async function postAlertsToChat(
  deps: { ledger: SendLedger; alerts: AlertStateStore; chat: ChatChannels },
  input: AlertChatInput,
): Promise<ChatOutcome[]> {
  const { slack, teams } = deps.chat;
  if (!slack && !teams) return [];
  const out: ChatOutcome[] = [];
  const f = makeFormatter(input.locale, input.currency);
  const policy: UnknownOutcomePolicy = { unknownOutcome: 'resend', staleAfterMs: input.staleClaimMs };

  // One lookup per owner and run; an owner not in Slack is an answer, a failed lookup is not.
  const lookups = new Map<string, Promise<Lookup>>();
  const lookup = (email: string): Promise<Lookup> => {
    const key = email.trim().toLowerCase();
    let found = lookups.get(key);
    if (!found) {
      found = slack!.chat.findMember(key).then(
        (member) => (member ? { member } : {}),
        (e: unknown) => ({ error: describe(e) }),
      );
      lookups.set(key, found);
    }
    return found;
  };

  const immediate: { state: AlertState; notice: Notice }[] = [];
  for (const state of input.states)
    for (const notice of state.notices) if (isImmediate(notice, input.today)) immediate.push({ state, notice });
  immediate.sort((a, b) => b.state.explanation.arr - a.state.explanation.arr || a.notice.id.localeCompare(b.notice.id));

  for (const item of immediate) {
    const alert = buildCritical([item], '', input.companyName, f).alerts[0]!;
    const subject = `CRITICAL: ${alert.accountName} - ${alert.ruleTitle}`;
    const owner = slack?.directMessageOwners ? item.state.explanation.ownerEmail?.trim().toLowerCase() : undefined;
    if (slack) {
      const key: SendKey = {
        kind: 'alert-critical',
        period: item.notice.id,
        recipient: slack.channel,
        channel: 'slack',
      };
      out.push(
        await post(deps.ledger, slack.chat, key, subject, policy, async () => {
          const found = owner ? await lookup(owner) : {};
          const ownerNote =
            owner && !found.member && !found.error
              ? `${owner} is not a member of this Slack workspace, so no direct message was sent: please make sure the owner sees this alert.`
              : undefined;
          return {
            channel: slack.channel,
            ...criticalAlertPost(alert, input.companyName, {
              buttons: true,
              ...(found.member ? { ownerUserId: found.member.userId } : {}),
              ...(ownerNote ? { ownerNote } : {}),
            }),
          };
        }),
      );
      if (owner) {
        const dmKey: SendKey = { kind: 'alert-critical', period: item.notice.id, recipient: owner, channel: 'slack' };
        const found = await lookup(owner);
        // Not in Slack: the channel's copy says so. A failed lookup is a failed delivery: the next run tries again.
        if (found.error)
          out.push({
            key: dmKey,
            status: 'failed',
            subject,
            error: `looking up ${owner} in Slack failed: ${found.error}`,
          });
        else if (found.member) {
          const dm = found.member.directMessageChannel;
          out.push(
            await post(deps.ledger, slack.chat, dmKey, subject, policy, () => ({
              channel: dm,
              ...criticalAlertPost(alert, input.companyName, { buttons: true }),
            })),
          );
        }
      }
    }
    if (teams?.criticalAlerts) {
      const key: SendKey = {
        kind: 'alert-critical',
        period: item.notice.id,
        recipient: TEAMS_RECIPIENT,
        channel: 'teams',
      };
      out.push(
        await post(deps.ledger, teams.chat, key, subject, policy, () => criticalAlertCard(alert, input.companyName)),
      );
    }
  }

  // The digest: on digest days, and the first run's summary (its critical alerts were held for it) on any day.
  const held = input.states.some((s) => s.notices.some((n) => n.heldForSummary));
  const digests: { channel: 'slack' | 'teams'; recipient: string }[] = [];
  if (slack) digests.push({ channel: 'slack', recipient: slack.channel });
  if (teams?.digest) digests.push({ channel: 'teams', recipient: TEAMS_RECIPIENT });
  for (const d of digests) {
    const since = await deps.alerts.getDigestCursor(d.channel, d.recipient);
    const firstRun = held && since === undefined;
    if (!input.digest && !firstRun) continue;
    const model = buildDigest({
      audience: 'cco',
      recipient: d.recipient,
      company: input.companyName,
      date: input.today,
      states: input.states,
      since,
      until: input.now,
      topAtRisk: input.topAtRisk,
      formatter: f,
      firstRun,
    });
    if (!model) continue;
    const key: SendKey = { kind: 'alert-digest:cco', period: input.today, recipient: d.recipient, channel: d.channel };
    const outcome =
      d.channel === 'slack'
        ? await post(deps.ledger, slack!.chat, key, model.subject, policy, () => ({
            channel: slack!.channel,
            ...digestPost(model),
          }))
        : await post(deps.ledger, teams!.chat, key, model.subject, policy, () => digestCard(model));
    out.push(outcome);
    if (outcome.status === 'sent') await deps.alerts.setDigestCursor(d.channel, d.recipient, input.now);
  }
  return out;
}

/** Posts the Monday headline to the Slack weekly-report channel and to Teams (each once per week). */
export async function postWeeklyHeadline(
  deps: { ledger: SendLedger; chat: ChatChannels },
  view: WeeklyReportView,
): Promise<ChatOutcome[]> {
  const { slack, teams } = deps.chat;
  const model = headlineModel(view);
  // At most once, as the report itself: an unknown outcome stays claimed (docs/alerts.md, "Channels").
  const policy: UnknownOutcomePolicy = { unknownOutcome: 'hold' };
  const out: ChatOutcome[] = [];
  const channel = slack?.weeklyReportChannel;
  if (slack && channel) {
    const key: SendKey = { kind: HEADLINE_KIND, period: model.week, recipient: channel, channel: 'slack' };
    out.push(
      await post(deps.ledger, slack.chat, key, model.title, policy, () => ({ channel, ...headlinePost(model) })),
    );
  }
  if (teams?.weeklyHeadline) {
    const key: SendKey = { kind: HEADLINE_KIND, period: model.week, recipient: TEAMS_RECIPIENT, channel: 'teams' };
    out.push(await post(deps.ledger, teams.chat, key, model.title, policy, () => headlineCard(model)));
  }
  return out;
}

/**
 * The Monday headline as its own run in the run ledger (kind `report`, subject `weekly-headline`),
 * with what each channel delivered; a failed post fails that run, never the report's.
 */
export async function announceWeeklyReport(
  deps: { ledger: SendLedger; chat: ChatChannels; runLedger?: RunLedger },
  view: WeeklyReportView,
  trigger: string,
): Promise<ChatOutcome[]> {
  if (!deps.chat.slack?.weeklyReportChannel && !deps.chat.teams?.weeklyHeadline) return [];
  return recordRunIf(
    deps.runLedger,
    { kind: 'report', subject: HEADLINE_KIND, period: view.meta.week, trigger },
    async (run) => {
      const outcomes = await postWeeklyHeadline(deps, view);
      for (const o of outcomes)
        run?.count(
          `${o.key.channel}.${o.status === 'already-sent' ? 'alreadySent' : o.status === 'in-flight' ? 'inFlight' : o.status}`,
        );
      for (const f of outcomes.filter((o) => o.status === 'failed'))
        run?.error(`${f.key.channel}: ${f.key.kind} to ${f.key.recipient}: ${f.error ?? 'failed'}`);
      if (outcomes.some((o) => o.status === 'failed')) run?.fail();
      return outcomes;
    },
  );
}

/** One post through send-once; every failure becomes an outcome, so one channel never stops another. */
async function post<M>(
  ledger: SendLedger,
  channel: DeliveryChannel<M>,
  key: SendKey,
  subject: string,
  policy: UnknownOutcomePolicy,
  compose: () => M | Promise<M>,
): Promise<ChatOutcome> {
  try {
    const { outcomes } = await sendOnce({ ledger, channel }, [key], compose, policy);
    const o = outcomes[0]!;
    if (o.status === 'sent') return { key, status: 'sent', subject, messageId: o.messageId };
    if (o.status === 'already-sent') return { key, status: 'already-sent', subject, messageId: o.messageId };
    if (o.status === 'in-flight') return { key, status: 'in-flight', subject };
    return { key, status: 'failed', subject, error: o.error };
  } catch (e) {
    // The ledger itself failed (a claim or a mark): reported, and the other posts still go.
    return { key, status: 'failed', subject, error: describe(e) };
  }
}

const describe = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));
