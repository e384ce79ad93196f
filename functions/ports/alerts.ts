// The alert ports: where alert states and digest cursors live (DynamoDB in AWS and locally), and
// how an alert message is rendered (Handlebars templates in the adapter).
import type { AlertState, CriticalModel, DigestModel } from '../domain/alerts';

export class AlertConflictError extends Error {
  override readonly name = 'AlertConflictError';
  readonly code = 'ALERT_CONFLICT';
  constructor(
    readonly alertId: string,
    readonly expectedVersion: number,
  ) {
    super(`alert ${alertId} changed since it was read (expected version ${expectedVersion}): another run updated it`);
  }
}

export interface AlertStateStore {
  /** Every stored alert state (any status). */
  listAlerts(): Promise<AlertState[]>;
  getAlert(id: string): Promise<AlertState | undefined>;
  /**
   * Stores a state if the stored version still equals `state.version` (0: must not exist yet);
   * returns it with the new version. Throws AlertConflictError when another run got there first.
   */
  putAlert(state: AlertState): Promise<AlertState>;
  /** The end (ISO instant) of the last digest window sent to this audience and recipient. */
  getDigestCursor(audience: string, recipient: string): Promise<string | undefined>;
  setDigestCursor(audience: string, recipient: string, through: string): Promise<void>;
}

export interface RenderedAlertEmail {
  subject: string;
  html: string;
  text: string;
}

export interface AlertRenderer {
  renderDigest(model: DigestModel): Promise<RenderedAlertEmail>;
  renderCritical(model: CriticalModel): Promise<RenderedAlertEmail>;
}
