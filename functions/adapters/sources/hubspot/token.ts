// The private app's access token: the environment variable first (local), else the Secrets
// Manager secret (AWS; the plain token, or JSON with "token"). Shared by the source and the tasks.
import type { HubSpotSourceDefinition } from '../../../domain/sources/registry';
import type { SecretResolver } from '../http/credentials';

export async function hubspotToken(
  def: HubSpotSourceDefinition,
  env: Readonly<Record<string, string | undefined>>,
  secrets: SecretResolver,
): Promise<{ token: string; from: string } | undefined> {
  const fromEnv = env[def.hubspot.tokenEnv]?.trim();
  if (fromEnv) return { token: fromEnv, from: `the environment variable ${def.hubspot.tokenEnv}` };
  if (!def.hubspot.secretName) return undefined;
  const secret = (await secrets.get(def.hubspot.secretName))?.trim();
  if (!secret) return undefined;
  const from = `the secret "${def.hubspot.secretName}"`;
  if (!secret.startsWith('{')) return { token: secret, from };
  const doc = JSON.parse(secret) as { token?: unknown };
  return typeof doc.token === 'string' ? { token: doc.token, from } : undefined;
}
