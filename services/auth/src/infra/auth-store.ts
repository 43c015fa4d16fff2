import {
  type AnyDb,
  type AnyTransaction,
  type AsyncProjection,
  createEventStore,
  createPersonalDataVault,
  type EventLike,
  type EventStore,
  type PersonalDataVault,
  type PersonalFields,
  type StoredEvent,
  withPersonalData,
} from "@tessera/eventstore";
import { sql } from "kysely";
import { z } from "zod";
import type { AccountEvent } from "../domain/account.ts";
import type { SessionEvent } from "../domain/session.ts";
import { projectAccountEvents } from "./accounts.ts";
import { projectSessionEvents } from "./sessions.ts";

export const AUTH_SCHEMA = "auth";

/** Personal top-level fields of each stored account event; session events hold none. */
const PERSONAL_FIELDS: ReadonlyMap<string, readonly string[]> = new Map<AccountEvent["type"], string[]>([
  ["auth.account.registered", ["email", "passwordHash"]],
  ["auth.email.verification_requested", ["recipient"]],
  ["auth.password.reset_requested", ["recipient"]],
  ["auth.password.changed", ["passwordHash"]],
  ["auth.identity.linked", ["subject", "email", "name"]],
]);

const AccountSubject = z.object({ accountId: z.string() });

/** Personal fields of `auth`'s events, sealed under the account id (= the user id). */
export function authPersonalFields(event: EventLike): PersonalFields | undefined {
  const fields = PERSONAL_FIELDS.get(event.type);
  const subject = AccountSubject.safeParse(event.data);
  return fields && subject.success ? { subjectId: subject.data.accountId, fields } : undefined;
}

export function authVault(db: AnyDb | AnyTransaction): PersonalDataVault {
  return createPersonalDataVault(db, { schema: AUTH_SCHEMA });
}

/** The `auth` event store, sealing personal fields; build it on the handle you write with. */
export function authStore(db: AnyDb | AnyTransaction): EventStore {
  return withPersonalData(createEventStore(db, { schema: AUTH_SCHEMA }), {
    vault: authVault(db),
    policy: authPersonalFields,
  });
}

const ACCOUNT_EVENT_TYPES: ReadonlySet<string> = new Set<AccountEvent["type"]>([
  "auth.account.registered",
  "auth.email.verification_requested",
  "auth.email.verified",
  "auth.password.reset_requested",
  "auth.password.changed",
  "auth.identity.linked",
  "auth.account.erased",
]);
const SESSION_EVENT_TYPES: ReadonlySet<string> = new Set<SessionEvent["type"]>([
  "auth.session.started",
  "auth.session.refreshed",
  "auth.session.revoked",
  "auth.session.compromised",
]);

function isAccountEvent(event: StoredEvent): event is StoredEvent<AccountEvent> {
  return ACCOUNT_EVENT_TYPES.has(event.type);
}
function isSessionEvent(event: StoredEvent): event is StoredEvent<SessionEvent> {
  return SESSION_EVENT_TYPES.has(event.type);
}

/**
 * The inline read models (accounts, links, identities, sessions, refresh-token hashes) as a
 * replayable projection for `rebuildProjection`. It opens sealed fields itself: an erased person's
 * fields read as the placeholder and their `auth.account.erased` removes what little is made.
 */
export const authReadModel: AsyncProjection = {
  name: "auth_read_model",
  async handle(trx, event) {
    if (isAccountEvent(event)) {
      const [open] = await authVault(trx).reveal([event]);
      if (open) await projectAccountEvents(trx, [open]);
    } else if (isSessionEvent(event)) {
      await projectSessionEvents(trx, [event]);
    }
  },
  async reset(trx) {
    // Not signing keys, throttle counts or provider tokens: they are not made from events.
    await sql`truncate accounts, link_tokens, oauth_identities, sessions, refresh_tokens`.execute(trx);
  },
};
