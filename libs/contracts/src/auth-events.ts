import { z } from "zod";
import { DisplayNameSchema, EncryptedLinkTokenSchema, SessionMethodSchema } from "./auth-schemas.ts";
import { defineEvent } from "./messaging.ts";
import { text, timestamp } from "./scalars.ts";

/** Public shapes of `auth`'s events; stored events also hold hashes that these contracts strip. */

export const accountRegistered = defineEvent({
  type: "auth.account.registered",
  version: 1,
  data: z.object({
    accountId: z.uuid(),
    email: text(),
    /** The display name given at sign-up, for the profile; absent when none was. */
    displayName: DisplayNameSchema.optional(),
    registeredAt: timestamp(),
  }),
});

/**
 * The identity provider of a linked identity (an identity hook) gave the person a new name; the
 * profile takes it as its display name. `displayName` is sealed in auth's store under the account.
 */
export const accountNameChanged = defineEvent({
  type: "auth.account.name_changed",
  version: 1,
  data: z.object({
    accountId: z.uuid(),
    displayName: DisplayNameSchema,
    changedAt: timestamp(),
  }),
});

/**
 * The identity provider of a linked identity verified a new address for the person, and no other
 * account has it: the account's email is now that address, verified. `email` is sealed in auth's
 * store under the account.
 */
export const accountEmailChanged = defineEvent({
  type: "auth.account.email_changed",
  version: 1,
  data: z.object({
    accountId: z.uuid(),
    email: text(),
    changedAt: timestamp(),
  }),
});

export const sessionStarted = defineEvent({
  type: "auth.session.started",
  version: 1,
  data: z.object({
    sessionId: z.uuid(),
    accountId: z.uuid(),
    familyId: z.uuid(),
    method: SessionMethodSchema,
    startedAt: timestamp(),
    expiresAt: timestamp(),
  }),
});

/** A refresh token was exchanged for a new pair (the old one is rotated out). */
export const sessionRefreshed = defineEvent({
  type: "auth.session.refreshed",
  version: 1,
  data: z.object({ sessionId: z.uuid(), accountId: z.uuid(), refreshedAt: timestamp() }),
});

export const SessionRevokeReasonSchema = z.enum([
  "logout",
  "revoked",
  "password_changed",
  "password_reset",
  /** The user was erased (`evt.user.user.erased`). */
  "account_erased",
]);
export type SessionRevokeReason = z.infer<typeof SessionRevokeReasonSchema>;

export const sessionRevoked = defineEvent({
  type: "auth.session.revoked",
  version: 1,
  data: z.object({
    sessionId: z.uuid(),
    accountId: z.uuid(),
    reason: SessionRevokeReasonSchema,
    revokedAt: timestamp(),
  }),
});

/** A rotated-out refresh token came back: the family is revoked, someone may hold a stolen token. */
export const sessionCompromised = defineEvent({
  type: "auth.session.compromised",
  version: 1,
  data: z.object({
    sessionId: z.uuid(),
    accountId: z.uuid(),
    familyId: z.uuid(),
    detectedAt: timestamp(),
  }),
});

export const passwordChanged = defineEvent({
  type: "auth.password.changed",
  version: 1,
  data: z.object({ accountId: z.uuid(), via: z.enum(["change", "reset"]), changedAt: timestamp() }),
});

const linkRequest = z.object({
  accountId: z.uuid(),
  /** The address the link goes to. */
  recipient: text(),
  token: EncryptedLinkTokenSchema,
  requestedAt: timestamp(),
  expiresAt: timestamp(),
});

/** `outbound` sends the reset link: it decrypts `token` and the link works once, until `expiresAt`. */
export const passwordResetRequested = defineEvent({
  type: "auth.password.reset_requested",
  version: 1,
  data: linkRequest,
});

/** Issued at registration: `outbound` sends the verification link. */
export const emailVerificationRequested = defineEvent({
  type: "auth.email.verification_requested",
  version: 1,
  data: linkRequest,
});

export const emailVerified = defineEvent({
  type: "auth.email.verified",
  version: 1,
  data: z.object({ accountId: z.uuid(), verifiedAt: timestamp() }),
});

/** Every event contract `auth` publishes. */
export const AUTH_EVENTS = [
  accountRegistered,
  accountNameChanged,
  accountEmailChanged,
  sessionStarted,
  sessionRefreshed,
  sessionRevoked,
  sessionCompromised,
  passwordChanged,
  passwordResetRequested,
  emailVerificationRequested,
  emailVerified,
] as const;
