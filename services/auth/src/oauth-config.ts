import { OAuthProviderNameSchema } from "@tessera/contracts";
import type { DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";

const ScopeSchema = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, "is an OAuth scope");
const ClientSchema = {
  name: OAuthProviderNameSchema,
  clientId: z.string().min(1).max(512),
  clientSecret: z.string().min(1).max(1_024),
};

/** A generic OpenID Connect provider, found by discovery at `issuer`. */
const OidcProviderConfigSchema = z.strictObject({
  ...ClientSchema,
  type: z.literal("oidc"),
  /** The issuer identifier, exactly as the provider's discovery document and ID tokens say it. */
  issuer: z.url(),
  /** @default ["openid", "email", "profile"] */
  scopes: z.array(ScopeSchema).min(1).max(20).default(["openid", "email", "profile"]),
});

/** GitHub: plain OAuth 2 (no ID token); the person comes from its REST API. Endpoints overridable for tests. */
const GithubProviderConfigSchema = z.strictObject({
  ...ClientSchema,
  type: z.literal("github"),
  /** The issuer recorded with GitHub identities. @default "https://github.com" */
  issuer: z.url().default("https://github.com"),
  authorizationEndpoint: z.url().default("https://github.com/login/oauth/authorize"),
  tokenEndpoint: z.url().default("https://github.com/login/oauth/access_token"),
  apiBaseUrl: z.url().default("https://api.github.com"),
  /** @default ["read:user", "user:email"] */
  scopes: z.array(ScopeSchema).min(1).max(20).default(["read:user", "user:email"]),
});

export const OAuthProviderConfigSchema = z.discriminatedUnion("type", [
  OidcProviderConfigSchema,
  GithubProviderConfigSchema,
]);
export type OAuthProviderConfig = DeepReadonly<z.output<typeof OAuthProviderConfigSchema>>;
export type OidcProviderConfig = DeepReadonly<z.output<typeof OidcProviderConfigSchema>>;
export type GithubProviderConfig = DeepReadonly<z.output<typeof GithubProviderConfigSchema>>;

/** `OAUTH_PROVIDERS`: a JSON array of providers, names unique. */
export const OAuthProvidersConfigSchema = z
  .string()
  .max(65_536)
  .transform((text, ctx) => {
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of providers" });
      return z.NEVER;
    }
  })
  .pipe(z.array(OAuthProviderConfigSchema).max(32))
  .refine(
    (providers) => new Set(providers.map((p) => p.name)).size === providers.length,
    "names must be unique",
  );
