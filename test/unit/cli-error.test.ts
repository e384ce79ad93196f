// The CLI's one place for expected failures: its own CliError and a source connector's SourceError
// print as one line; any other error is a bug and keeps its stack trace.
import { describe, expect, it } from 'vitest';
import { CliError, expectedFailure } from '../../bin/commands/cli-error';
import { SourceError } from '../../functions/ports/source-error';

describe('expectedFailure', () => {
  it('keeps a CliError and its exit code', () => {
    const e = new CliError('no such folder', 2);
    expect(expectedFailure(e)).toBe(e);
  });

  it('turns a SourceError into its one-line message, exit code 1', () => {
    const e = new SourceError('AUTH_FAILED', 'Stripe at https://api.stripe.com refused the API key', { status: 401 });
    const failure = expectedFailure(e);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({ message: 'Stripe at https://api.stripe.com refused the API key', exitCode: 1 });
  });

  it('leaves any other error alone', () => {
    expect(expectedFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(expectedFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBeUndefined();
  });
});
