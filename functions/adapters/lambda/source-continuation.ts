// A source that stopped inside its time budget (a long Stripe backfill) continues in a new
// invocation of the ingest function: an asynchronous invocation of itself with `{ source }`
// (Lambda queues and retries it); the source picks up at its checkpoint.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SourceContinuation } from '../../ports/source-connector';

export class LambdaSourceContinuation implements SourceContinuation {
  constructor(
    private readonly client: LambdaClient,
    /** This function's own name (Lambda sets AWS_LAMBDA_FUNCTION_NAME). */
    private readonly functionName: string,
  ) {}

  async continueSource(source: string): Promise<void> {
    await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ source })),
      }),
    );
  }
}
