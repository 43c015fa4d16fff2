import { ConflictError, NotFoundError, TesseraError, UnauthorizedError } from "@tessera/contracts";

export class EmailTakenError extends ConflictError {
  override name = "EmailTakenError";
  constructor(options: { cause?: unknown } = {}) {
    super("auth.email_taken", "An account with this email already exists.", options);
  }
}

export class AccountAlreadyRegisteredError extends ConflictError {
  override name = "AccountAlreadyRegisteredError";
  constructor(accountId: string) {
    super("auth.account_exists", `Account ${accountId} is already registered.`);
  }
}

export class AccountNotFoundError extends NotFoundError {
  override name = "AccountNotFoundError";
  constructor() {
    super("auth.account_not_found", "The account does not exist.");
  }
}

/** The same failure for a wrong password and an unknown email, so logins reveal nothing. */
export class InvalidCredentialsError extends UnauthorizedError {
  override name = "InvalidCredentialsError";
  constructor() {
    super("auth.invalid_credentials", "The email or password is incorrect.");
  }
}

/** A password found in the list of the most common ones; `field` names the request field. */
export class PasswordTooCommonError extends TesseraError {
  override name = "PasswordTooCommonError";
  constructor(field: string) {
    super("auth.password_too_common", 400, "This password is too common; choose another.", {
      errors: [{ field, message: "is one of the most commonly used passwords" }],
    });
  }
}

export class CurrentPasswordIncorrectError extends TesseraError {
  override name = "CurrentPasswordIncorrectError";
  constructor() {
    super("auth.current_password_incorrect", 400, "The current password is incorrect.", {
      errors: [{ field: "currentPassword", message: "is incorrect" }],
    });
  }
}

/** Too many failed sign-ins for this account or from this address; says when to try again. */
export class TooManyAttemptsError extends TesseraError {
  override name = "TooManyAttemptsError";
  constructor(retryAfterSeconds: number) {
    super(
      "auth.too_many_attempts",
      429,
      `Too many failed sign-in attempts. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? "" : "s"}.`,
      { retryAfterSeconds },
    );
  }
}

/** Unknown, expired, revoked: one answer, so a refresh token's fate is not told apart. */
export class InvalidRefreshTokenError extends UnauthorizedError {
  override name = "InvalidRefreshTokenError";
  constructor() {
    super("auth.invalid_refresh_token", "The refresh token is invalid or expired; sign in again.");
  }
}

export class RefreshReusedError extends UnauthorizedError {
  override name = "RefreshReusedError";
  constructor() {
    super(
      "auth.refresh_reused",
      "This refresh token was already used; the session has been revoked. Sign in again.",
    );
  }
}

export class SessionNotFoundError extends NotFoundError {
  override name = "SessionNotFoundError";
  constructor() {
    super("auth.session_not_found", "No such session.");
  }
}

export class SessionAlreadyStartedError extends ConflictError {
  override name = "SessionAlreadyStartedError";
  constructor(sessionId: string) {
    super("auth.session_exists", `Session ${sessionId} already exists.`);
  }
}

export class ResetTokenInvalidError extends TesseraError {
  override name = "ResetTokenInvalidError";
  constructor() {
    super("auth.reset_token_invalid", 400, "The reset link is invalid, used or expired.", {
      errors: [{ field: "token", message: "is invalid, used or expired" }],
    });
  }
}

export class VerificationTokenInvalidError extends TesseraError {
  override name = "VerificationTokenInvalidError";
  constructor() {
    super("auth.verification_token_invalid", 400, "The verification link is invalid, used or expired.", {
      errors: [{ field: "token", message: "is invalid, used or expired" }],
    });
  }
}

/**
 * A provider sign-in whose email belongs to an existing account that was not linked to it: unless
 * both the provider and the account have verified the email, the owner must sign in and link.
 */
export class OAuthLinkRequiredError extends ConflictError {
  override name = "OAuthLinkRequiredError";
  constructor() {
    super(
      "auth.oauth_link_required",
      "An account with this email exists. Sign in to it and link this provider from there.",
    );
  }
}

/** A provider identity already belongs to another account. */
export class IdentityTakenError extends ConflictError {
  override name = "IdentityTakenError";
  constructor(options: { cause?: unknown } = {}) {
    super("auth.oauth_identity_taken", "This provider account is linked to another account.", options);
  }
}

/** A sign-up through a provider that shares no email address: an account needs one. */
export class OAuthEmailRequiredError extends TesseraError {
  override name = "OAuthEmailRequiredError";
  constructor() {
    super("auth.oauth_email_required", 400, "The provider did not share an email address.");
  }
}

/** The callback's state does not match this browser's flow cookie (missing, forged, expired, other provider). */
export class OAuthStateInvalidError extends TesseraError {
  override name = "OAuthStateInvalidError";
  constructor(options: { cause?: unknown } = {}) {
    super(
      "auth.oauth_state_invalid",
      400,
      "The sign-in request is invalid or expired; start again.",
      options,
    );
  }
}

/** The provider refused, or the code exchange or its checks failed (a replayed code, a bad ID token). */
export class OAuthFailedError extends TesseraError {
  override name = "OAuthFailedError";
  constructor(options: { cause?: unknown } = {}) {
    super("auth.oauth_failed", 400, "The sign-in with the provider failed; start again.", options);
  }
}

export class OAuthProviderNotFoundError extends NotFoundError {
  override name = "OAuthProviderNotFoundError";
  constructor() {
    super("auth.oauth_provider_not_found", "No such sign-in provider.");
  }
}
