// The OpenID Connect relying party of the download endpoint, with openid-client (v6): discovery,
// the authorization code flow with PKCE (S256), `state` and `nonce`, scope `openid email`, the
// client secret from the environment (PULSE_OIDC_CLIENT_SECRET; Secrets Manager in AWS). The ID
// token is checked twice: by openid-client (issuer, audience, expiry, nonce) and its signature
// by jose against the provider's published keys, so a token from anywhere but the issuer, or for
// another client, never becomes a session.
import * as client from 'openid-client';
import { createRemoteJWKSet, customFetch as joseFetch, jwtVerify, type JWTPayload } from 'jose';
import { OidcError, type OidcIdentity, type OidcRelyingParty } from '../../ports/archive-access';

export interface OpenIdClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The ID token claim with the person's groups (e.g. `cognito:groups`); none by default. */
  groupsClaim?: string;
  /** Replaces fetch for every call to the provider (a corporate proxy, or a test's interception). */
  fetch?: client.CustomFetch;
}

const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

export class OpenIdClientRelyingParty implements OidcRelyingParty {
  private config?: Promise<client.Configuration>;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly opts: OpenIdClientOptions) {
    if (!opts.clientSecret)
      throw new OidcError(
        'PROVIDER_UNAVAILABLE',
        'the OpenID Connect client secret is empty (PULSE_OIDC_CLIENT_SECRET)',
      );
  }

  private configuration(): Promise<client.Configuration> {
    this.config ??= (async () => {
      const insecure = LOOPBACK_HTTP.test(this.opts.issuer);
      const options: client.DiscoveryRequestOptions = {
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        ...(this.opts.fetch ? { [client.customFetch]: this.opts.fetch } : {}),
      };
      try {
        return await client.discovery(
          new URL(this.opts.issuer),
          this.opts.clientId,
          undefined,
          client.ClientSecretBasic(this.opts.clientSecret),
          options,
        );
      } catch (e) {
        throw new OidcError(
          'PROVIDER_UNAVAILABLE',
          `OpenID Connect discovery at ${this.opts.issuer} failed: ${(e as Error).message}`,
          { cause: e },
        );
      }
    })().catch((e: unknown) => {
      this.config = undefined;
      throw e;
    });
    return this.config;
  }

  async start(redirectUri: string): Promise<{ url: string; state: string; nonce: string; codeVerifier: string }> {
    const config = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state, nonce, codeVerifier };
  }

  async finish(
    callbackUrl: URL,
    expected: { state: string; nonce: string; codeVerifier: string },
  ): Promise<OidcIdentity> {
    if (callbackUrl.searchParams.get('state') !== expected.state)
      throw new OidcError('STATE_MISMATCH', 'the callback state does not match the sign-in under way');
    const config = await this.configuration();
    let idToken: string | undefined;
    let accessToken: string | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
      idToken = tokens.id_token;
      accessToken = tokens.access_token;
    } catch (e) {
      throw classify(e);
    }
    if (!idToken) throw new OidcError('ID_TOKEN_REJECTED', 'the provider sent no ID token');
    const meta = config.serverMetadata();
    if (!meta.jwks_uri) throw new OidcError('ID_TOKEN_REJECTED', 'the provider publishes no keys (jwks_uri)');
    this.jwks ??= createRemoteJWKSet(
      new URL(meta.jwks_uri),
      this.opts.fetch
        ? { [joseFetch]: (url: string, o: unknown) => this.opts.fetch!(url, o as Parameters<client.CustomFetch>[1]) }
        : {},
    );
    let claims: JWTPayload;
    try {
      claims = (await jwtVerify(idToken, this.jwks, { issuer: meta.issuer, audience: this.opts.clientId })).payload;
    } catch (e) {
      throw new OidcError('ID_TOKEN_REJECTED', `the ID token did not verify: ${(e as Error).message}`, { cause: e });
    }
    if (claims.nonce !== expected.nonce)
      throw new OidcError('ID_TOKEN_REJECTED', 'the ID token nonce does not match the sign-in');
    // Some providers put the email claims only in the UserInfo response (OIDC Core 5.4): ask it,
    // for the subject of the verified ID token, when the token itself has none.
    let source: Record<string, unknown> = claims;
    if (typeof claims.email !== 'string' && accessToken && typeof claims.sub === 'string') {
      try {
        source = { ...(await client.fetchUserInfo(config, accessToken, claims.sub)), ...claims };
      } catch (e) {
        throw classify(e);
      }
    }
    const email = source.email;
    if (typeof email !== 'string' || !email.includes('@'))
      throw new OidcError(
        'NO_EMAIL',
        'neither the ID token nor UserInfo has an email claim (is the "email" scope allowed for this client?)',
      );
    const verified = source.email_verified === true || source.email_verified === 'true';
    const rawGroups = this.opts.groupsClaim ? source[this.opts.groupsClaim] : undefined;
    const groups = Array.isArray(rawGroups)
      ? rawGroups.filter((g): g is string => typeof g === 'string')
      : typeof rawGroups === 'string'
        ? [rawGroups]
        : [];
    return { email, emailVerified: verified, groups };
  }
}

function classify(e: unknown): OidcError {
  if (e instanceof OidcError) return e;
  if (e instanceof client.AuthorizationResponseError || e instanceof client.ResponseBodyError) {
    return new OidcError(
      'CODE_REJECTED',
      `the provider refused the sign-in: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`,
      { cause: e },
    );
  }
  if (e instanceof client.ClientError) {
    const code = (e as { code?: string }).code ?? '';
    if (
      /STATE|NONCE|JWT|CLAIM|ID_TOKEN|SIGNATURE|AUD|ISS/i.test(code) ||
      /id_token|"aud"|"iss"|"nonce"|claim/i.test(e.message)
    ) {
      return new OidcError('ID_TOKEN_REJECTED', `the ID token was refused: ${e.message}`, { cause: e });
    }
    return new OidcError('CODE_REJECTED', `the token response was refused: ${e.message}`, { cause: e });
  }
  return new OidcError('PROVIDER_UNAVAILABLE', `the token endpoint could not be reached: ${(e as Error).message}`, {
    cause: e,
  });
}
