// The two Secrets Manager readers (HTTP source credentials, archive link signing keys), with the
// AWS client mocked: values, caching, a missing secret, and clear errors.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerLinkKeys } from '../../functions/adapters/secrets/link-keys';
import { SecretsManagerSecrets } from '../../functions/adapters/sources/http/credentials';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());
const client = () => new SecretsManagerClient({ region: 'eu-west-1' });

describe('source credentials from Secrets Manager', () => {
  it('reads a string or binary secret once and caches it', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'billing/api-key' }).resolves({ SecretString: 'sk_live_123' });
    sm.on(GetSecretValueCommand, { SecretId: 'crm/token' }).resolves({ SecretBinary: new TextEncoder().encode('tok') });
    const secrets = new SecretsManagerSecrets(client());
    expect(await secrets.get('billing/api-key')).toBe('sk_live_123');
    expect(await secrets.get('billing/api-key')).toBe('sk_live_123');
    expect(await secrets.get('crm/token')).toBe('tok');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('treats a missing secret as absent (the next resolver may have it) and any other failure as a clear error', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'nope' }).rejects(
      Object.assign(new Error('Secrets Manager can’t find the specified secret.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    sm.on(GetSecretValueCommand, { SecretId: 'denied' }).rejects(
      Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }),
    );
    const secrets = new SecretsManagerSecrets(client());
    expect(await secrets.get('nope')).toBeUndefined();
    await expect(secrets.get('denied')).rejects.toThrow(
      /reading secret "denied" from AWS Secrets Manager failed: User is not authorized/,
    );
  });
});

describe('link signing keys from Secrets Manager', () => {
  const key = (c: string) => c.repeat(40);

  it('reads the current key and the previous ones (rotation), caching them', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ current: key('a'), previous: [key('b')] }),
    });
    const keys = new SecretsManagerLinkKeys(client(), 'pulse/link-key');
    expect(await keys.keys()).toEqual([key('a'), key('b')]);
    expect(await keys.current()).toBe(key('a'));
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('refuses a short key, an empty secret and an unreadable one, naming the secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(new SecretsManagerLinkKeys(client(), 's1').keys()).rejects.toThrow(
      /secret s1 must hold a key of at least/,
    );
    sm.on(GetSecretValueCommand).resolves({});
    await expect(new SecretsManagerLinkKeys(client(), 's2').keys()).rejects.toThrow(
      /the secret s2 has no string value/,
    );
    sm.on(GetSecretValueCommand).rejects(new Error('throttled'));
    await expect(new SecretsManagerLinkKeys(client(), 's3').keys()).rejects.toThrow(
      /reading the link signing key s3 from Secrets Manager failed: throttled/,
    );
  });
});
