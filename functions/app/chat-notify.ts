// The chat channels of the alert and report jobs: Slack and a Microsoft Teams webhook, each only
// when configured (ports/chat.ts). What goes out:
//
//   - each critical alert that opens or escalates: to the Slack channel (with the snooze and
//     acknowledge buttons), as a direct message to the account's owner (found by e-mail; an owner
//     not in Slack gets none, and the channel's copy says so), and to Teams;
//   - the CCO's daily digest (same days, same first-run summary as the e-mail) to the Slack
//     channel and to Teams; on Slack the first run's critical alerts, held for the summary, go in
//     its thread (docs/alerts.md, "The first run on Slack"), the owners' DMs as usual;
//   - an alert snoozed, acknowledged or resolved: its Slack messages updated in place with
//     chat.update, once per (message, transition) (updateAlertMessages);
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
import {
  buildCritical,
  buildDigest,
  isHeldCritical,
  isImmediate,
  makeFormatter,
  type AlertState,
  type CriticalAlertView,
  type Formatter,
  type Notice,
} from '../domain/alerts';
import {
  alertChatStatus,
  criticalAlertCard,
  criticalAlertPost,
  digestCard,
  digestPost,
  headlineCard,
  headlineModel,
  headlinePost,
  postedCriticalNotices,
  postedSlackMessage,
  withAlertStatus,
  type SlackBlock,
  type SlackPost,
} from '../domain/chat';
import { addDays, type IsoDate } from '../domain/dates';
import type { WeeklyReportView } from '../domain/report';
import type { AlertStateStore } from '../ports/alerts';
import type { ChatChannels, SlackChat, SlackMember, SlackMessageUpdate } from '../ports/chat';
import type { DeliveryChannel, SendKey, SendLedger } from '../ports/send-ledger';
import type { RunLedger } from '../ports/run-ledger';
import { recordRunIf } from './record-run';
import { atLeastOnce, sendOnce, type UnknownOutcomePolicy } from './send-once';

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

/** Posts the run's critical alerts and (on digest days, or the first run's summary) the digest to each configured chat channel. */
export async function postAlertsToChat(
  deps: { ledger: SendLedger; alerts: AlertStateStore; chat: ChatChannels },
  input: AlertChatInput,
): Promise<ChatOutcome[]> {
  const { slack, teams } = deps.chat;
  if (!slack && !teams) return [];
  const out: ChatOutcome[] = [];
  const f = makeFormatter(input.locale, input.currency);
  const policy = atLeastOnce(input.staleClaimMs);
  const lookup = slack ? memberLookup(slack.chat) : undefined;

  const byArr = (a: CriticalItem, b: CriticalItem) =>
    b.state.explanation.arr - a.state.explanation.arr || a.notice.id.localeCompare(b.notice.id);
  const immediate: CriticalItem[] = [];
  // The first run's critical alerts, held for its summary: on Slack they go into the summary's thread.
  const held: CriticalItem[] = [];
  for (const state of input.states)
    for (const notice of state.notices) {
      if (isImmediate(notice, input.today)) immediate.push({ state, notice });
      else if (isHeldCritical(notice, input.today)) held.push({ state, notice });
    }
  immediate.sort(byArr);
  held.sort(byArr);

  for (const item of immediate) {
    const alert = buildCritical([item], '', input.companyName, f).alerts[0]!;
    const subject = `CRITICAL: ${alert.accountName} - ${alert.ruleTitle}`;
    if (slack) {
      out.push(await postCriticalToChannel(deps.ledger, slack, lookup!, item, alert, input.companyName, policy));
      out.push(...(await postCriticalToOwner(deps.ledger, slack, lookup!, item, alert, input.companyName, policy)));
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
  // A direct message about your own account is not a flood: the owners get their held alerts as usual.
  if (slack)
    for (const item of held) {
      const alert = buildCritical([item], '', input.companyName, f).alerts[0]!;
      out.push(...(await postCriticalToOwner(deps.ledger, slack, lookup!, item, alert, input.companyName, policy)));
    }

  // The digest: on digest days, and the first run's summary (its critical alerts were held for it) on any day.
  const anyHeld = input.states.some((s) => s.notices.some((n) => n.heldForSummary));
  const digests: { channel: 'slack' | 'teams'; recipient: string }[] = [];
  if (slack) digests.push({ channel: 'slack', recipient: slack.channel });
  if (teams?.digest) digests.push({ channel: 'teams', recipient: TEAMS_RECIPIENT });
  let slackSummary: ChatOutcome | undefined;
  for (const d of digests) {
    const since = await deps.alerts.getDigestCursor(d.channel, d.recipient);
    const firstRun = anyHeld && since === undefined;
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
    if (d.channel === 'slack' && firstRun) slackSummary = outcome;
    if (outcome.status === 'sent') await deps.alerts.setDigestCursor(d.channel, d.recipient, input.now);
  }

  // The held critical alerts in the channel (docs/alerts.md, "The first run on Slack"): replies in the
  // thread of the summary this run posted (or found posted); none while another run is posting it;
  // none when the summary failed in the run that held them (no burst now; the summary is retried);
  // top level in any later run without a summary to hold them. Same keys as any critical alert, so
  // whatever one run posted, no run posts again.
  if (slack && held.length) {
    const parent =
      slackSummary?.messageId && (slackSummary.status === 'sent' || slackSummary.status === 'already-sent')
        ? postedSlackMessage(slackSummary.messageId)
        : undefined;
    const wait =
      !parent &&
      slackSummary !== undefined &&
      (slackSummary.status === 'in-flight' || held.some((h) => h.notice.at === input.now));
    if (!wait)
      for (const item of held) {
        const alert = buildCritical([item], '', input.companyName, f).alerts[0]!;
        out.push(
          await postCriticalToChannel(deps.ledger, slack, lookup!, item, alert, input.companyName, policy, parent),
        );
      }
  }

  // What happened to the alerts since they were posted (snoozed, acknowledged, resolved), on their messages.
  if (slack)
    for (const state of input.states) {
      const current = alertChatStatus(state);
      if (!current || current.on < addDays(input.today, -1)) continue;
      out.push(
        ...(await updateAlertMessages(
          {
            ledger: deps.ledger,
            slack: { ...slack, companyName: input.companyName, formatter: f },
            staleClaimMs: input.staleClaimMs,
          },
          state,
        )),
      );
    }
  return out;
}

type CriticalItem = { state: AlertState; notice: Notice };
type Lookup = { member?: SlackMember; error?: string };
type SlackChannel = NonNullable<ChatChannels['slack']>;

/** One lookup per owner and run; an owner not in Slack is an answer, a failed lookup is not. */
function memberLookup(chat: SlackChat): (email: string) => Promise<Lookup> {
  const lookups = new Map<string, Promise<Lookup>>();
  return (email) => {
    const key = email.trim().toLowerCase();
    let found = lookups.get(key);
    if (!found) {
      found = chat.findMember(key).then(
        (member) => (member ? { member } : {}),
        (e: unknown) => ({ error: describe(e) }),
      );
      lookups.set(key, found);
    }
    return found;
  };
}

const ownerOf = (slack: SlackChannel, state: AlertState): string | undefined =>
  slack.directMessageOwners ? state.explanation.ownerEmail?.trim().toLowerCase() || undefined : undefined;

/** The channel's copy of a critical alert: the owner mentioned, or a note that the owner is not in Slack. */
async function channelCopy(
  slack: SlackChannel,
  lookup: (email: string) => Promise<Lookup>,
  state: AlertState,
  alert: CriticalAlertView,
  company: string,
): Promise<SlackPost> {
  const owner = ownerOf(slack, state);
  const found = owner ? await lookup(owner) : {};
  const ownerNote =
    owner && !found.member && !found.error
      ? `${owner} is not a member of this Slack workspace, so no direct message was sent: please make sure the owner sees this alert.`
      : undefined;
  return criticalAlertPost(alert, company, {
    buttons: true,
    ...(found.member ? { ownerUserId: found.member.userId } : {}),
    ...(ownerNote ? { ownerNote } : {}),
  });
}

/** A critical alert to the channel (with its buttons), top level or as a reply in `thread`. */
async function postCriticalToChannel(
  ledger: SendLedger,
  slack: SlackChannel,
  lookup: (email: string) => Promise<Lookup>,
  item: CriticalItem,
  alert: CriticalAlertView,
  company: string,
  policy: UnknownOutcomePolicy,
  thread?: { channel: string; ts: string },
): Promise<ChatOutcome> {
  const key: SendKey = { kind: 'alert-critical', period: item.notice.id, recipient: slack.channel, channel: 'slack' };
  const subject = `CRITICAL: ${alert.accountName} - ${alert.ruleTitle}`;
  return post(ledger, slack.chat, key, subject, policy, async () => ({
    channel: thread?.channel ?? slack.channel,
    ...(thread ? { threadTs: thread.ts } : {}),
    ...(await channelCopy(slack, lookup, item.state, alert, company)),
  }));
}

/** A critical alert as a direct message to the account's owner, when owners get them and the owner is in Slack. */
async function postCriticalToOwner(
  ledger: SendLedger,
  slack: SlackChannel,
  lookup: (email: string) => Promise<Lookup>,
  item: CriticalItem,
  alert: CriticalAlertView,
  company: string,
  policy: UnknownOutcomePolicy,
): Promise<ChatOutcome[]> {
  const owner = ownerOf(slack, item.state);
  if (!owner) return [];
  const subject = `CRITICAL: ${alert.accountName} - ${alert.ruleTitle}`;
  const key: SendKey = { kind: 'alert-critical', period: item.notice.id, recipient: owner, channel: 'slack' };
  const found = await lookup(owner);
  // Not in Slack: the channel's copy says so. A failed lookup is a failed delivery: the next run tries again.
  if (found.error)
    return [{ key, status: 'failed', subject, error: `looking up ${owner} in Slack failed: ${found.error}` }];
  if (!found.member) return [];
  const dm = found.member.directMessageChannel;
  return [
    await post(ledger, slack.chat, key, subject, policy, () => ({
      channel: dm,
      ...criticalAlertPost(alert, company, { buttons: true }),
    })),
  ];
}

/** Slack and what the alert messages say (company, formatter), for updating them. */
export interface AlertMessageDeps {
  ledger: SendLedger;
  /** Absent: only the clicked message (its response_url) is updated. */
  slack?: SlackChannel & { companyName: string; formatter: Formatter };
  /** An update whose outcome is unknown is sent again after this long (default 30 minutes). */
  staleClaimMs?: number;
}

/** The message a Slack button was clicked on: answered through the click's response_url. */
export interface ClickedMessage {
  /** `<channel id>/<ts>` from the interaction; absent when Slack did not say. */
  messageId?: string;
  text: string;
  blocks: SlackBlock[];
  reply: DeliveryChannel<SlackPost>;
}

/**
 * Shows the alert's status (snoozed, acknowledged, resolved) on every Slack message posted for its
 * current episode: the channel's copy and the owner's direct message of each critical notice, found
 * in the send ledger (their `<channel>/<ts>`), each replaced with chat.update. Once per (message,
 * transition): key `alert-update:<transition>` / the transition's id / the message. A clicked
 * message is answered through its response_url instead, under the same key.
 */
export async function updateAlertMessages(
  deps: AlertMessageDeps,
  state: AlertState,
  clicked?: ClickedMessage,
): Promise<ChatOutcome[]> {
  const current = alertChatStatus(state);
  if (!current) return [];
  const policy = atLeastOnce(deps.staleClaimMs);
  const keyFor = (messageId: string): SendKey => ({
    kind: `alert-update:${current.transition}`,
    period: current.period,
    recipient: messageId,
    channel: 'slack',
  });
  const subject = `${state.explanation.accountName}: ${current.transition}`;
  const out: ChatOutcome[] = [];
  let clickedDone = false;
  const slack = deps.slack;
  if (slack) {
    const lookup = memberLookup(slack.chat);
    const updates: DeliveryChannel<SlackMessageUpdate> = { send: (u) => slack.chat.update(u) };
    const owner = ownerOf(slack, state);
    for (const notice of postedCriticalNotices(state)) {
      const alert = buildCritical([{ state, notice }], '', slack.companyName, slack.formatter).alerts[0]!;
      for (const recipient of [slack.channel, ...(owner ? [owner] : [])]) {
        let posted: { messageId: string } | undefined;
        try {
          posted = await deps.ledger.delivered({
            kind: 'alert-critical',
            period: notice.id,
            recipient,
            channel: 'slack',
          });
        } catch (e) {
          // The ledger could not say what was posted: this update fails, and the next alert run tries again.
          out.push({
            key: keyFor(recipient),
            status: 'failed',
            subject,
            error: `reading the send ledger: ${describe(e)}`,
          });
          continue;
        }
        const where = posted && postedSlackMessage(posted.messageId);
        if (!where) continue;
        const messageId = `${where.channel}/${where.ts}`;
        if (clicked && clicked.messageId === messageId) {
          clickedDone = true;
          out.push(
            await post(deps.ledger, clicked.reply, keyFor(messageId), subject, policy, () =>
              withAlertStatus(clicked, current.status),
            ),
          );
          continue;
        }
        out.push(
          await post(deps.ledger, updates, keyFor(messageId), subject, policy, async () => ({
            ...where,
            ...withAlertStatus(
              recipient === slack.channel
                ? await channelCopy(slack, lookup, state, alert, slack.companyName)
                : criticalAlertPost(alert, slack.companyName, { buttons: true }),
              current.status,
            ),
          })),
        );
      }
    }
  }
  // A clicked message the ledger does not know (posted before Pulse kept its ts): answered all the same.
  if (clicked && !clickedDone)
    out.push(
      await post(deps.ledger, clicked.reply, keyFor(clicked.messageId ?? `clicked:${state.id}`), subject, policy, () =>
        withAlertStatus(clicked, current.status),
      ),
    );
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
