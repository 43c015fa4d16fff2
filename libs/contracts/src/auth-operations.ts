import { z } from "zod";
import {
  CredentialsSchema,
  EmailSchema,
  JwksSchema,
  OpaqueTokenSchema,
  PageQuerySchema,
  PasswordSchema,
  PresentedPasswordSchema,
  SessionPageSchema,
  TokenPairSchema,
} from "./auth-schemas.ts";
import { defineOperation } from "./messaging.ts";

/** The `svc.auth.*` operations. Those answering `null` have no body (the gateway's 202/204). */

export const authRegister = defineOperation({
  service: "auth",
  name: "register",
  request: CredentialsSchema,
  response: TokenPairSchema,
});

export const authLogin = defineOperation({
  service: "auth",
  name: "login",
  request: CredentialsSchema,
  response: TokenPairSchema,
});

export const RefreshRequestSchema = z.strictObject({ refreshToken: OpaqueTokenSchema });

export const authRefresh = defineOperation({
  service: "auth",
  name: "refresh",
  request: RefreshRequestSchema,
  response: TokenPairSchema,
});

/** Ends the session of `refreshToken` when it is the caller's; always answers, so it reveals nothing. */
export const authLogout = defineOperation({
  service: "auth",
  name: "logout",
  request: RefreshRequestSchema,
  response: z.null(),
});

export const authSessionsList = defineOperation({
  service: "auth",
  name: "sessions.list",
  request: PageQuerySchema.strict(),
  response: SessionPageSchema,
});

export const SessionIdParamsSchema = z.strictObject({ sessionId: z.uuid() });

/** Revokes one of the caller's sessions; another user's session is `404 auth.session_not_found`. */
export const authSessionRevoke = defineOperation({
  service: "auth",
  name: "sessions.revoke",
  request: SessionIdParamsSchema,
  response: z.null(),
});

export const ChangePasswordRequestSchema = z.strictObject({
  currentPassword: PresentedPasswordSchema,
  newPassword: PasswordSchema,
});

/** Changes the caller's password and revokes every other session of theirs. */
export const authPasswordChange = defineOperation({
  service: "auth",
  name: "password.change",
  request: ChangePasswordRequestSchema,
  response: z.null(),
});

export const ForgotPasswordRequestSchema = z.strictObject({ email: EmailSchema });

/** Accepted whether or not the email has an account; a reset link goes out through `outbound`. */
export const authPasswordForgot = defineOperation({
  service: "auth",
  name: "password.forgot",
  request: ForgotPasswordRequestSchema,
  response: z.null(),
});

export const ResetPasswordRequestSchema = z.strictObject({
  token: OpaqueTokenSchema,
  newPassword: PasswordSchema,
});

/** Sets a new password with a reset token and revokes every session of the account. */
export const authPasswordReset = defineOperation({
  service: "auth",
  name: "password.reset",
  request: ResetPasswordRequestSchema,
  response: z.null(),
});

export const VerifyEmailRequestSchema = z.strictObject({ token: OpaqueTokenSchema });

export const authEmailVerify = defineOperation({
  service: "auth",
  name: "email.verify",
  request: VerifyEmailRequestSchema,
  response: z.null(),
});

export const authJwks = defineOperation({
  service: "auth",
  name: "jwks",
  request: z.strictObject({}),
  response: JwksSchema,
});
