import { ConflictError, UnauthorizedError } from "@tessera/contracts";

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

/** The same failure for a wrong password and an unknown email, so logins reveal nothing. */
export class InvalidCredentialsError extends UnauthorizedError {
  override name = "InvalidCredentialsError";
  constructor() {
    super("auth.invalid_credentials", "The email or password is incorrect.");
  }
}
