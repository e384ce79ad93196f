// Asks the alert function to send critical alerts now, right after an ingest that may have revealed
// them: an asynchronous invocation (Lambda queues it and retries), so the ingest never waits on mail.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { CriticalAlertsTrigger } from '../../ports/source-connector';

export class LambdaAlertsTrigger implements CriticalAlertsTrigger {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  /** Queues `{ mode: 'critical' }` for the alert function; resolves once Lambda accepted it. */
  async critical(reason: string): Promise<void> {
    await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ mode: 'critical', reason })),
      }),
    );
  }
}
