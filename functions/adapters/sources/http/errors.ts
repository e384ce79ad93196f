// The HTTP connectors fail with the one source error of the ports layer (functions/ports/source-error.ts).
// This name is kept only for the CRM task adapters that still import it (functions/adapters/crm).

/** @deprecated Use SourceError from functions/ports/source-error.ts. */
export { SourceError as HttpSourceError } from '../../../ports/source-error';
