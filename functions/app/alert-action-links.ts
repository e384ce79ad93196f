// The snooze and acknowledge links of the alert e-mails: for each live alert in a message, two
// signed single-use links for the message's recipient (functions/domain/alerts/action-token.ts),
// pointing at the alert action endpoint (functions/app/alert-action-endpoint.ts). Resolved items
// get none. Signed with the archive links' key: one key to keep and rotate.
import { randomBytes } from 'node:crypto';
import { actionTokenFor, actionUrl, type AlertActionKind } from '../domain/alerts/action-token';
import type { AlertState, AlertView, CriticalModel, DigestModel } from '../domain/alerts';

export interface ActionLinkSettings {
  /** The action endpoint's public base URL. */
  baseUrl: string;
  /** The key new links are signed with. */
  signingKey: string | Uint8Array;
  /** The snooze link's days (alerts.snooze.defaultDays). */
  snoozeDays: number;
  now?: () => Date;
}

export type ActionLinkMaker = (state: AlertState, recipient: string, action: AlertActionKind) => string;

export function actionLinkMaker(s: ActionLinkSettings): ActionLinkMaker {
  return (state, recipient, action) =>
    actionUrl(
      s.baseUrl,
      actionTokenFor(
        s.signingKey,
        {
          alertId: state.id,
          episode: state.episode,
          action,
          days: s.snoozeDays,
          recipient,
          nonce: randomBytes(16).toString('base64url'),
        },
        s.now?.() ?? new Date(),
      ),
    );
}

/** Adds the links to every item of a live alert in a critical alert or digest model (in place; returns it). */
export function withActionLinks<M extends CriticalModel | DigestModel>(
  model: M,
  states: readonly AlertState[],
  links: ActionLinkMaker,
  snoozeDays: number,
): M {
  const byId = new Map(states.map((s) => [s.id, s]));
  const items: AlertView[] =
    'alerts' in model ? model.alerts : model.sections.filter((x) => x.kind !== 'resolved').flatMap((x) => x.items);
  for (const item of items) {
    const state = byId.get(item.id);
    if (!state || (state.status !== 'open' && state.status !== 'pending')) continue;
    item.snoozeUrl = links(state, model.recipient, 'snooze');
    item.acknowledgeUrl = links(state, model.recipient, 'acknowledge');
    item.snoozeDays = snoozeDays;
  }
  return model;
}
