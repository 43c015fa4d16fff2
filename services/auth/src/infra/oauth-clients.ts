import * as oidc from "openid-client";
import { z } from "zod";
import type { ProviderIdentity } from "../domain/decide.ts";
import type { GithubProviderConfig, OAuthProviderConfig, OidcProviderConfig } from "../oauth-config.ts";

/** The secrets of one authorization request, kept in the browser-bound flow cookie. */
export interface FlowSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The query the provider sent to the redirect URI. */
export interface CallbackParams {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
}

/** The provider's tokens, kept encrypted at rest. */
export interface ProviderTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Unix seconds. */
  expiresAt?: number;
  scope?: string;
}

export interface SignInResult {
  identity: ProviderIdentity;
  tokens: ProviderTokens;
}

/** One configured provider: builds the authorization URL and completes the code flow. */
export interface OAuthClient {
  readonly name: string;
  readonly type: OAuthProviderConfig["type"];
  readonly redirectUri: string;
  authorizationUrl(secrets: FlowSecrets): Promise<URL>;
  /** Checks state, `iss` (RFC 9207), PKCE and, for OIDC, the ID token (signature, iss, aud, nonce). */
  complete(params: CallbackParams, secrets: FlowSecrets): Promise<SignInResult>;
}

export function newFlowSecrets(): FlowSecrets {
  return {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier: oidc.randomPKCECodeVerifier(),
  };
}

/** Plain HTTP only for a provider on this machine (tests, local development). */
function isLoopbackHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return (
    protocol === "http:" && (hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]")
  );
}

function callbackUrl(redirectUri: string, params: CallbackParams): URL {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(key, value);
  return url;
}

function tokensOf(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): ProviderTokens {
  const expiresIn = response.expiresIn();
  return {
    accessToken: response.access_token,
    ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
    ...(response.id_token ? { idToken: response.id_token } : {}),
    ...(expiresIn !== undefined ? { expiresAt: Math.floor(Date.now() / 1000) + expiresIn } : {}),
    ...(response.scope ? { scope: response.scope } : {}),
  };
}

const IdTokenClaimsSchema = z.object({
  iss: z.string().min(1),
  sub: z.string().min(1).max(255),
  email: z.string().max(320).optional(),
  email_verified: z.boolean().optional(),
  name: z.string().max(200).optional(),
});

/**
 * An OpenID Connect provider. Its metadata is discovered on first use (and again after a failure),
 * so `auth` starts while a provider is down.
 */
function oidcClient(config: OidcProviderConfig, redirectUri: string): OAuthClient {
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= oidc
      .discovery(new URL(config.issuer), config.clientId, config.clientSecret, undefined, {
        execute: isLoopbackHttp(config.issuer) ? [oidc.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };
  return {
    name: config.name,
    type: "oidc",
    redirectUri,
    async authorizationUrl(secrets) {
      return oidc.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        response_type: "code",
        scope: config.scopes.join(" "),
        state: secrets.state,
        nonce: secrets.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
        code_challenge_method: "S256",
      });
    },
    async complete(params, secrets) {
      const client = await configuration();
      const response = await oidc.authorizationCodeGrant(client, callbackUrl(redirectUri, params), {
        pkceCodeVerifier: secrets.codeVerifier,
        expectedState: secrets.state,
        expectedNonce: secrets.nonce,
        idTokenExpected: true,
      });
      // openid-client has checked the ID token's signature, iss, aud, exp and nonce.
      const idToken = IdTokenClaimsSchema.parse(response.claims());
      // Many providers put email and name only in UserInfo; its `sub` must be the ID token's.
      const claims =
        idToken.email === undefined && client.serverMetadata().userinfo_endpoint
          ? {
              ...idToken,
              ...UserInfoClaimsSchema.parse(
                await oidc.fetchUserInfo(client, response.access_token, idToken.sub),
              ),
            }
          : idToken;
      return {
        identity: {
          provider: config.name,
          issuer: claims.iss,
          subject: claims.sub,
          ...(claims.email ? { email: claims.email } : {}),
          emailVerified: claims.email === undefined ? false : claims.email_verified === true,
          ...(claims.name ? { name: claims.name } : {}),
        },
        tokens: tokensOf(response),
      };
    },
  };
}

const UserInfoClaimsSchema = IdTokenClaimsSchema.pick({ email: true, email_verified: true, name: true });

const GithubUserSchema = z.object({ id: z.number().int(), name: z.string().max(200).nullable().optional() });
const GithubEmailsSchema = z.array(
  z.object({ email: z.string().max(320), primary: z.boolean(), verified: z.boolean() }),
);

/** GitHub: OAuth 2 with PKCE; the person and their primary email come from the REST API. */
function githubClient(config: GithubProviderConfig, redirectUri: string): OAuthClient {
  const client = new oidc.Configuration(
    {
      issuer: config.issuer,
      authorization_endpoint: config.authorizationEndpoint,
      token_endpoint: config.tokenEndpoint,
    },
    config.clientId,
    config.clientSecret,
  );
  if ([config.tokenEndpoint, config.apiBaseUrl].some(isLoopbackHttp)) oidc.allowInsecureRequests(client);
  const api = async <T>(accessToken: string, path: string, schema: z.ZodType<T>): Promise<T> => {
    const response = await oidc.fetchProtectedResource(
      client,
      accessToken,
      new URL(path, `${config.apiBaseUrl.replace(/\/$/, "")}/`),
      "GET",
      undefined,
      new Headers({ accept: "application/vnd.github+json" }),
    );
    if (!response.ok) throw new Error(`GitHub API ${path} answered ${response.status}`);
    return schema.parse(await response.json());
  };
  return {
    name: config.name,
    type: "github",
    redirectUri,
    async authorizationUrl(secrets) {
      return oidc.buildAuthorizationUrl(client, {
        redirect_uri: redirectUri,
        scope: config.scopes.join(" "),
        state: secrets.state,
        code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
        code_challenge_method: "S256",
      });
    },
    async complete(params, secrets) {
      const response = await oidc.authorizationCodeGrant(client, callbackUrl(redirectUri, params), {
        pkceCodeVerifier: secrets.codeVerifier,
        expectedState: secrets.state,
      });
      const user = await api(response.access_token, "user", GithubUserSchema);
      const emails = await api(response.access_token, "user/emails", GithubEmailsSchema);
      const primary = emails.find((email) => email.primary);
      return {
        identity: {
          provider: config.name,
          issuer: config.issuer,
          subject: String(user.id),
          ...(primary ? { email: primary.email } : {}),
          emailVerified: primary?.verified === true,
          ...(user.name ? { name: user.name } : {}),
        },
        tokens: tokensOf(response),
      };
    },
  };
}

/** The configured providers by name; each redirect URI is exact: `<base>/v1/auth/oauth/<name>/callback`. */
export function createOAuthClients(
  providers: readonly OAuthProviderConfig[],
  redirectBaseUrl: string,
): ReadonlyMap<string, OAuthClient> {
  const base = redirectBaseUrl.replace(/\/$/, "");
  return new Map(
    providers.map((provider) => {
      const redirectUri = `${base}/v1/auth/oauth/${provider.name}/callback`;
      const client =
        provider.type === "oidc" ? oidcClient(provider, redirectUri) : githubClient(provider, redirectUri);
      return [provider.name, client];
    }),
  );
}
