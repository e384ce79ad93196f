// Loaded by bin/pulse.ts before any command: keep it free of (value) imports.
import type { SourceError } from '../../functions/ports/source-error';

/** An expected failure: printed as a message, not a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * The failures `pulse` prints as one line and exit code 1: its own CliError, and a source
 * connector's SourceError (a refused key, an unreachable API ...: its message says what to fix).
 * Anything else is a bug and keeps its stack trace. A SourceError is known by its name: the CLI
 * sees the ports as types only.
 */
export function expectedFailure(err: unknown): CliError | undefined {
  if (err instanceof CliError) return err;
  if (isSourceError(err)) return new CliError(err.message);
  return undefined;
}

function isSourceError(err: unknown): err is SourceError {
  return err instanceof Error && err.name === 'SourceError' && typeof (err as { code?: unknown }).code === 'string';
}
