// The private app's access token: the environment variable first (local), else the Secrets
// Manager secret (AWS; the plain token, or JSON with "token"). Shared by the source and the tasks.
import type { HubSpotSourceDefinition } from '../../../domain/sources/registry';
import { envOrSecretKey, type SecretResolver } from '../http/credentials';

export async function hubspotToken(
  def: HubSpotSourceDefinition,
  env: Readonly<Record<string, string | undefined>>,
  secrets: SecretResolver,
): Promise<{ token: string; from: string } | undefined> {
  const h = def.hubspot;
  const found = await envOrSecretKey({ envName: h.tokenEnv, secretName: h.secretName, jsonKey: 'token' }, env, secrets);
  return found && { token: found.key, from: found.from };
}
