// Credentials of HTTP sources: AWS Secrets Manager in AWS; locally (the embedded stack) an
// environment variable or `.pulse/secrets.json`. Secrets are cached for the container's life
// (5 minutes), never logged.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFile } from 'node:fs/promises';
import type { HttpAuth } from '../../../domain/sources/registry';
import { SourceError } from '../../../ports/source-error';

export interface SecretResolver {
  /** The secret's string, or undefined when this resolver does not have it. */
  get(secretId: string): Promise<string | undefined>;
  /** Where it looked, for the error message. */
  readonly where: string;
}

/** `pulse/billing` -> `PULSE_SECRET_PULSE_BILLING`. */
export function secretEnvName(secretId: string): string {
  return `PULSE_SECRET_${secretId
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '')}`;
}

export class EnvSecrets implements SecretResolver {
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}
  get where() {
    return 'the environment (PULSE_SECRET_<ID>)';
  }
  async get(secretId: string): Promise<string | undefined> {
    const v = this.env[secretEnvName(secretId)];
    return v === undefined || v === '' ? undefined : v;
  }
}

/** A JSON file `{ "<secretId>": "<value>" | { ...json secret } }`, e.g. `.pulse/secrets.json`. */
export class FileSecrets implements SecretResolver {
  constructor(private readonly path: string) {}
  get where() {
    return this.path;
  }
  async get(secretId: string): Promise<string | undefined> {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(this.path, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SourceError('NO_CREDENTIALS', `${this.path} is not a JSON object of secrets: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const v = (doc as Record<string, unknown>)?.[secretId];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

export class SecretsManagerSecrets implements SecretResolver {
  private readonly cache = new Map<string, { value: string; until: number }>();
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly ttlMs = 300_000,
  ) {}
  get where() {
    return 'AWS Secrets Manager';
  }
  async get(secretId: string): Promise<string | undefined> {
    const hit = this.cache.get(secretId);
    if (hit && hit.until > Date.now()) return hit.value;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      const value = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
      if (value !== undefined) this.cache.set(secretId, { value, until: Date.now() + this.ttlMs });
      return value;
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return undefined;
      throw new SourceError(
        'NO_CREDENTIALS',
        `reading secret "${secretId}" from AWS Secrets Manager failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
}

/** Tries each resolver in turn. */
export class SecretChain implements SecretResolver {
  constructor(private readonly resolvers: SecretResolver[]) {}
  get where() {
    return this.resolvers.map((r) => r.where).join(', ');
  }
  async get(secretId: string): Promise<string | undefined> {
    for (const r of this.resolvers) {
      const v = await r.get(secretId);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

/**
 * An API key or token of a vendor connector: the environment variable first (local), else the
 * secret (AWS), holding the plain value or JSON with it under `jsonKey`. Undefined when neither has one.
 */
export async function envOrSecretKey(
  where: { envName: string; secretName?: string | undefined; jsonKey: string },
  env: Readonly<Record<string, string | undefined>>,
  secrets: SecretResolver,
): Promise<{ key: string; from: string } | undefined> {
  const fromEnv = env[where.envName]?.trim();
  if (fromEnv) return { key: fromEnv, from: `the environment variable ${where.envName}` };
  if (!where.secretName) return undefined;
  const secret = (await secrets.get(where.secretName))?.trim();
  if (!secret) return undefined;
  const from = `the secret "${where.secretName}"`;
  if (!secret.startsWith('{')) return { key: secret, from };
  const value = (JSON.parse(secret) as Record<string, unknown>)[where.jsonKey];
  return typeof value === 'string' ? { key: value, from } : undefined;
}

/** The request headers an auth setting needs. */
export async function authHeaders(
  auth: HttpAuth,
  secrets: SecretResolver,
  sourceName: string,
): Promise<Record<string, string>> {
  if (auth.type === 'none') return {};
  const secret = await secrets.get(auth.secretId);
  if (secret === undefined) {
    throw new SourceError(
      'NO_CREDENTIALS',
      `source "${sourceName}": no secret "${auth.secretId}" in ${secrets.where}` +
        ` (locally: export ${secretEnvName(auth.secretId)}=... or add "${auth.secretId}" to .pulse/secrets.json)`,
    );
  }
  let value = secret;
  if (auth.secretKey) {
    let doc: Record<string, unknown> | undefined;
    try {
      doc = JSON.parse(secret) as Record<string, unknown>;
    } catch {
      doc = undefined;
    }
    const v = doc?.[auth.secretKey];
    if (v === undefined)
      throw new SourceError(
        'NO_CREDENTIALS',
        `source "${sourceName}": secret "${auth.secretId}" has no JSON key "${auth.secretKey}"`,
      );
    value = typeof v === 'string' ? v : JSON.stringify(v);
  }
  switch (auth.type) {
    case 'bearer':
      return { authorization: `Bearer ${value}` };
    case 'header':
      return { [auth.header!.toLowerCase()]: value };
    case 'basic': {
      let pair = value;
      try {
        const j = JSON.parse(value) as { username?: string; password?: string };
        if (typeof j === 'object' && j && typeof j.username === 'string') pair = `${j.username}:${j.password ?? ''}`;
      } catch {
        // a plain `user:password` string
      }
      return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
    }
  }
}
