import type { Credentials, MessageContext, TokenPair } from "@tessera/contracts";
import type { Kysely } from "kysely";
import { InvalidCredentialsError } from "../domain/errors.ts";
import { findAccountByEmail } from "../infra/accounts.ts";
import type { PasswordHasher } from "../infra/passwords.ts";
import type { AuthDb } from "../infra/tables.ts";
import { type SessionDeps, startSession } from "./sessions.ts";

/**
 * `svc.auth.login`. An unknown email costs one argon2 verification against a dummy hash, so a
 * wrong password and an unknown email look the same from outside: same error, comparable time.
 */
export function login(deps: SessionDeps & { hasher: PasswordHasher; db: Kysely<AuthDb> }) {
  return async (request: Credentials, ctx: MessageContext): Promise<TokenPair> => {
    const account = await findAccountByEmail(deps.db, request.email);
    if (!account) {
      await deps.hasher.verifyDummy(request.password);
      throw new InvalidCredentialsError();
    }
    if (!(await deps.hasher.verify(account.password_hash, request.password))) {
      throw new InvalidCredentialsError();
    }
    return startSession(deps, { accountId: account.account_id, email: account.email }, "password", ctx);
  };
}
