import { eventStores, personalDataPolicy, readModelPart, replayableReadModel } from "@tessera/eventstore";
import { sql } from "kysely";
import type { AccountEvent } from "../domain/account.ts";
import type { SessionEvent } from "../domain/session.ts";
import { projectAccountEvents } from "./accounts.ts";
import { projectSessionEvents } from "./sessions.ts";

export const AUTH_SCHEMA = "auth";

/** The `auth` event store: personal top-level fields of account events (emails, names, hashes) sealed under the account id (= the user id); session events hold none. */
export const authStores = eventStores({
  schema: AUTH_SCHEMA,
  personalData: personalDataPolicy({
    subjectField: "accountId",
    fields: {
      "auth.account.registered": ["email", "displayName", "passwordHash"],
      "auth.email.verification_requested": ["recipient"],
      "auth.password.reset_requested": ["recipient"],
      "auth.password.changed": ["passwordHash"],
      "auth.identity.linked": ["subject", "email", "name"],
      "auth.account.name_changed": ["displayName", "identity"],
      "auth.account.email_changed": ["email", "identity"],
    } satisfies Partial<Record<AccountEvent["type"], string[]>>,
  }),
});

/**
 * The inline read models (accounts, links, identities, sessions, refresh-token hashes) as a
 * replayable projection for `rebuildProjection`. It opens sealed fields itself: an erased person's
 * fields read as the placeholder and their `auth.account.erased` removes what little is made.
 */
export const authReadModel = replayableReadModel(authStores, {
  name: "auth-read-model",
  parts: [
    readModelPart<AccountEvent>(
      [
        "auth.account.registered",
        "auth.email.verification_requested",
        "auth.email.verified",
        "auth.password.reset_requested",
        "auth.password.changed",
        "auth.identity.linked",
        "auth.account.email_changed",
        "auth.account.erased",
      ],
      projectAccountEvents,
    ),
    readModelPart<SessionEvent>(
      ["auth.session.started", "auth.session.refreshed", "auth.session.revoked", "auth.session.compromised"],
      projectSessionEvents,
    ),
  ],
  // Not signing keys, throttle counts or provider tokens: they are not made from events.
  reset: async (trx) => {
    await sql`truncate accounts, link_tokens, oauth_identities, sessions, refresh_tokens`.execute(trx);
  },
});
