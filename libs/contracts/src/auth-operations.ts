import { z } from "zod";
import {
  AccountIdParamsSchema,
  AccountSchema,
  ChangePasswordRequestSchema,
  CredentialsSchema,
  ForgotPasswordRequestSchema,
  JwksSchema,
  OAuthCallbackRequestSchema,
  OAuthCallbackResponseSchema,
  OAuthLinkResponseSchema,
  OAuthProviderParamsSchema,
  OAuthProvidersSchema,
  OAuthRedirectSchema,
  RefreshRequestSchema,
  RegistrationSchema,
  ResetPasswordRequestSchema,
  RotatedSigningKeySchema,
  SessionIdParamsSchema,
  SessionPageSchema,
  SessionsRevokedSchema,
  TokenPairSchema,
  VerifyEmailRequestSchema,
} from "./auth-schemas.ts";
import { defineOperation } from "./messaging.ts";
import { PageQuerySchema } from "./pagination.ts";

/**
 * The `svc.auth.*` operations. Those answering `null` have no body (the gateway's 202/204); those
 * answering `SessionsRevokedSchema` name the sessions they ended, which the gateway keeps to itself.
 */

/** Signs up; `displayName` goes to the profile through `auth.account.registered`. */
export const accountsRegister = defineOperation({
  service: "auth",
  name: "accounts.register",
  request: RegistrationSchema,
  response: TokenPairSchema,
});

/**
 * Internal (no route): what the registration of an account said, and whether its email is verified
 * now, for a service that must not wait for `auth.account.registered` or `auth.email.verified` (the
 * user service, when a new account's request beats those events). Callers: the account itself (its
 * verified actor) or the platform (`system:*`); an unknown or erased account is
 * `404 auth.account_not_found`.
 */
export const accountsGet = defineOperation({
  service: "auth",
  name: "accounts.get",
  request: AccountIdParamsSchema,
  response: AccountSchema,
});

export const sessionsLogin = defineOperation({
  service: "auth",
  name: "sessions.login",
  request: CredentialsSchema,
  response: TokenPairSchema,
});

export const sessionsRefresh = defineOperation({
  service: "auth",
  name: "sessions.refresh",
  request: RefreshRequestSchema,
  response: TokenPairSchema,
});

/** Ends the session of `refreshToken` when it is the caller's; always answers, so it reveals nothing. */
export const sessionsLogout = defineOperation({
  service: "auth",
  name: "sessions.logout",
  request: RefreshRequestSchema,
  response: SessionsRevokedSchema,
});

export const sessionsList = defineOperation({
  service: "auth",
  name: "sessions.list",
  request: PageQuerySchema,
  response: SessionPageSchema,
});

/** Revokes one of the caller's sessions; another user's session is `404 auth.session_not_found`. */
export const sessionsRevoke = defineOperation({
  service: "auth",
  name: "sessions.revoke",
  request: SessionIdParamsSchema,
  response: SessionsRevokedSchema,
});

/** Changes the caller's password and revokes every other session of theirs. */
export const passwordChange = defineOperation({
  service: "auth",
  name: "password.change",
  request: ChangePasswordRequestSchema,
  response: SessionsRevokedSchema,
});

/** Accepted whether or not the email has an account; a reset link goes out through `outbound`. */
export const passwordForgot = defineOperation({
  service: "auth",
  name: "password.forgot",
  request: ForgotPasswordRequestSchema,
  response: z.null(),
});

/** Sets a new password with a reset token and revokes every session of the account. */
export const passwordReset = defineOperation({
  service: "auth",
  name: "password.reset",
  request: ResetPasswordRequestSchema,
  response: SessionsRevokedSchema,
});

export const emailVerify = defineOperation({
  service: "auth",
  name: "email.verify",
  request: VerifyEmailRequestSchema,
  response: z.null(),
});

/**
 * Makes a new signing key now and retires the active ones, whatever their age (the platform's own
 * tools only: `system:` actors). The new key signs once every replica has shared it.
 */
export const signingKeysRotate = defineOperation({
  service: "auth",
  name: "signing-keys.rotate",
  request: z.strictObject({}),
  response: RotatedSigningKeySchema,
});

export const jwksGet = defineOperation({
  service: "auth",
  name: "jwks.get",
  request: z.strictObject({}),
  response: JwksSchema,
});

export const oauthProvidersList = defineOperation({
  service: "auth",
  name: "oauth-providers.list",
  request: z.strictObject({}),
  response: OAuthProvidersSchema,
});

export const oauthStart = defineOperation({
  service: "auth",
  name: "oauth.start",
  request: OAuthProviderParamsSchema,
  response: OAuthRedirectSchema,
});

export const oauthCallback = defineOperation({
  service: "auth",
  name: "oauth.callback",
  request: OAuthCallbackRequestSchema,
  response: OAuthCallbackResponseSchema,
});

export const oauthLink = defineOperation({
  service: "auth",
  name: "oauth.link",
  request: OAuthProviderParamsSchema,
  response: OAuthLinkResponseSchema,
});
