export { HttpJsonSource, hwmKey, laterMark, linkHeaderNext, type HttpJsonSourceOptions } from './source';
export { getJson, parseRetryAfter, type HttpClientOptions } from './client';
export { EnvSecrets, FileSecrets, SecretChain, SecretsManagerSecrets, authHeaders, secretEnvName, type SecretResolver } from './credentials';
export { HttpSourceError, type HttpSourceErrorCode } from './errors';
