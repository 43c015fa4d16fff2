import type { Credentials, MessageContext, TokenPair } from "@tessera/contracts";
import type { Kysely } from "kysely";
import { InvalidCredentialsError } from "../domain/errors.ts";
import { findAccountByEmail } from "../infra/accounts.ts";
import type { PasswordHasher } from "../infra/passwords.ts";
import type { AuthDb } from "../infra/tables.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { type SessionDeps, startSession } from "./sessions.ts";

/**
 * `svc.auth.sessions.login`. An unknown email costs one argon2 verification against a dummy hash, so a
 * wrong password and an unknown email look the same from outside: same error, comparable time,
 * and the same throttling (counts are kept per email, known or not).
 */
export function login(
  deps: SessionDeps & { hasher: PasswordHasher; db: Kysely<AuthDb>; throttle: LoginThrottle },
) {
  return async (request: Credentials, ctx: MessageContext): Promise<TokenPair> => {
    await deps.throttle.check(request.email, ctx.clientIp);
    const account = await findAccountByEmail(deps.db, request.email);
    // An account made by a provider sign-up has no password: it fails like an unknown email.
    const verified = account?.password_hash
      ? await deps.hasher.verify(account.password_hash, request.password)
      : await deps.hasher.verifyDummy(request.password);
    if (!account || !verified) {
      await deps.throttle.failed(request.email, ctx.clientIp);
      throw new InvalidCredentialsError();
    }
    await deps.throttle.succeeded(request.email);
    return startSession(deps, { accountId: account.account_id, email: account.email }, "password", ctx);
  };
}
