export { HttpJsonSource, hwmKey, laterMark, linkHeaderNext, type HttpJsonSourceOptions } from './source';
export {
  getJson,
  getText,
  parseRetryAfter,
  requestJson,
  requestText,
  type HttpClientOptions,
  type RequestInit,
} from './client';
export {
  EnvSecrets,
  FileSecrets,
  SecretChain,
  SecretsManagerSecrets,
  authHeaders,
  secretEnvName,
  type SecretResolver,
} from './credentials';
