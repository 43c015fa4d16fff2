import { z } from "zod";
import { TokenPairSchema } from "./auth-schemas.ts";
import { defineOperation } from "./messaging.ts";
import { defineRoute, type RouteDefinition } from "./routes.ts";

/** OAuth/OIDC sign-in and linking (`svc.auth.oauth.*`); the gateway maps the cookie and redirects. */

/** The browser-bound cookie carrying one sign-in flow (state, nonce, PKCE verifier), sealed by `auth`. */
export const OAUTH_FLOW_COOKIE = "__Host-oauth-flow";
/** Lifetime of a flow (its cookie), in seconds. */
export const OAUTH_FLOW_TTL_SECONDS = 600;

export const OAuthProviderNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "is a lower-case provider name");

/** The sealed flow as the cookie carries it: `<keyId>~<base64url>`. */
const FlowCookieSchema = z
  .string()
  .max(4_096)
  .regex(/^[A-Za-z0-9._-]{1,64}~[A-Za-z0-9_-]+$/);

export const OAuthProviderSchema = z.object({
  name: OAuthProviderNameSchema,
  /** `oidc`: OpenID Connect (discovery, ID token); `github`: plain OAuth 2 with GitHub's user API. */
  type: z.enum(["oidc", "github"]),
});
export type OAuthProvider = z.infer<typeof OAuthProviderSchema>;

export const OAuthProvidersSchema = z.object({ items: z.array(OAuthProviderSchema) });

export const authOAuthProviders = defineOperation({
  service: "auth",
  name: "oauth.providers",
  request: z.strictObject({}),
  response: OAuthProvidersSchema,
});

export const OAuthProviderParamsSchema = z.strictObject({ provider: OAuthProviderNameSchema });

/** A redirect to the provider and the cookie that binds the flow to this browser. */
export const OAuthRedirectSchema = z.object({ location: z.url(), stateCookie: FlowCookieSchema });

export const authOAuthStart = defineOperation({
  service: "auth",
  name: "oauth.start",
  request: OAuthProviderParamsSchema,
  response: OAuthRedirectSchema,
});

/** What the provider sends back to the redirect URI (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export const OAuthCallbackQuerySchema = z.object({
  code: z.string().min(1).max(2_048).optional(),
  state: z.string().min(1).max(512).optional(),
  iss: z.string().min(1).max(2_048).optional(),
  error: z.string().min(1).max(256).optional(),
  error_description: z.string().max(1_024).optional(),
});

export const OAuthCallbackRequestSchema = z.strictObject({
  ...OAuthProviderParamsSchema.shape,
  ...OAuthCallbackQuerySchema.shape,
  /** The flow cookie set by start or link; absent when the browser has none. */
  stateCookie: FlowCookieSchema.optional(),
});

/** The signed-in token pair; `location` is the front-end URL to redirect to, when one is configured. */
export const OAuthCallbackResponseSchema = TokenPairSchema.extend({ location: z.url().nullable() });

export const authOAuthCallback = defineOperation({
  service: "auth",
  name: "oauth.callback",
  request: OAuthCallbackRequestSchema,
  response: OAuthCallbackResponseSchema,
});

/** Starts linking a provider to the signed-in caller: the provider URL and the flow cookie. */
export const OAuthLinkResponseSchema = z.object({ url: z.url(), stateCookie: FlowCookieSchema });

export const authOAuthLink = defineOperation({
  service: "auth",
  name: "oauth.link",
  request: OAuthProviderParamsSchema,
  response: OAuthLinkResponseSchema,
});

const flowCookie = { name: OAUTH_FLOW_COOKIE, maxAgeSeconds: OAUTH_FLOW_TTL_SECONDS };

/** Public routes of the OAuth flow; `auth` answers, the gateway carries the flow cookie and redirects. */
export const oauthRoutes: readonly RouteDefinition[] = [
  defineRoute({
    method: "GET",
    path: "/v1/auth/oauth/providers",
    summary: "List the configured sign-in providers",
    operation: authOAuthProviders,
    auth: "public",
    rateClass: "read",
    successStatus: 200,
    response: OAuthProvidersSchema,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/auth/oauth/{provider}/start",
    summary:
      "Go to the provider to sign in (302; PKCE S256, state and nonce bound to this browser by a cookie)",
    operation: authOAuthStart,
    auth: "public",
    rateClass: "auth-register",
    successStatus: 302,
    respond: "redirect",
    cookie: { ...flowCookie, responseField: "stateCookie" },
    request: { params: OAuthProviderParamsSchema },
    response: OAuthRedirectSchema,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/auth/oauth/{provider}/callback",
    summary:
      "The provider's redirect back: signs in (token pair), or redirects to the front-end with the tokens in cookies",
    operation: authOAuthCallback,
    auth: "public",
    rateClass: "auth-register",
    successStatus: 200,
    respond: "redirect",
    cookie: { ...flowCookie, requestField: "stateCookie", clearAfterRead: true },
    request: { params: OAuthProviderParamsSchema, query: OAuthCallbackQuerySchema },
    response: OAuthCallbackResponseSchema,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/auth/oauth/{provider}/link",
    summary: "Start linking a provider to the signed-in account: the URL to send the browser to",
    operation: authOAuthLink,
    auth: "bearer",
    rateClass: "write",
    successStatus: 200,
    cookie: { ...flowCookie, responseField: "stateCookie" },
    request: { params: OAuthProviderParamsSchema },
    response: OAuthLinkResponseSchema,
  }),
];
