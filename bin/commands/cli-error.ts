// Loaded by bin/pulse.ts before any command: keep it free of imports.

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
