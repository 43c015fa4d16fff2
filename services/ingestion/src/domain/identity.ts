import { text } from "@tessera/contracts";
import { z } from "zod";

/**
 * Users at an external identity provider (an identity-hook issuer), as Clerk's webhooks tell them.
 * One stream per identity, keyed by (issuer, subject); its events say what changed, and auth keeps
 * the accounts.
 */

/** The largest string of a Clerk user this service reads; anything longer is not a Clerk user. */
const CLERK_TEXT_MAX = 1_024;
// The contract's text: a string Postgres (and so every consumer's store) can keep.
const clerkText = text().min(1).max(CLERK_TEXT_MAX);
const optionalText = clerkText.nullish();

const ClerkEmailSchema = z.looseObject({
  id: clerkText,
  email_address: clerkText,
  verification: z.looseObject({ status: z.string().max(CLERK_TEXT_MAX).nullish() }).nullish(),
});

const ClerkUserSchema = z.looseObject({
  id: clerkText,
  email_addresses: z.array(ClerkEmailSchema).max(100).nullish(),
  primary_email_address_id: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  username: optionalText,
  deleted: z.boolean().nullish(),
});

/** Clerk's event envelope: `{ type, data, object: "event", … }`; unknown fields are kept aside. */
const ClerkEventSchema = z.looseObject({ type: z.string().max(200), data: z.unknown() });

export type IdentityChangeKind = "created" | "updated" | "deleted";

const CLERK_USER_CHANGES = new Map<string, IdentityChangeKind>([
  ["user.created", "created"],
  ["user.updated", "updated"],
  ["user.deleted", "deleted"],
]);

/** What a provider said about one of its users. */
export interface IdentityFacts {
  readonly subject: string;
  readonly change: IdentityChangeKind;
  /** The primary email, when the provider named one. */
  readonly email?: string;
  readonly emailVerified: boolean;
  /** First and last name, else the username, when given. */
  readonly name?: string;
}

/** Why a verified delivery changes nothing: another event type, or a body that is no Clerk user event. */
export type IgnoredReason = "other_event_type" | "not_a_user_event";

export type ClerkReading =
  | { readonly kind: "user"; readonly facts: IdentityFacts }
  | { readonly kind: "ignored"; readonly reason: IgnoredReason; readonly eventType: string | null };

function nameOf(user: z.output<typeof ClerkUserSchema>): string | undefined {
  const full = [user.first_name, user.last_name]
    .filter((part) => part?.trim())
    .join(" ")
    .trim();
  const name = full || user.username?.trim() || "";
  return name === "" ? undefined : name.slice(0, 200);
}

/**
 * Reads a verified Clerk webhook body (already decoded JSON). A `user.*` event becomes facts; any
 * other type, or a body that does not have a Clerk user's shape, is ignored: the sender cannot fix
 * it by sending it again.
 */
export function readClerkEvent(body: unknown): ClerkReading {
  const envelope = ClerkEventSchema.safeParse(body);
  if (!envelope.success) return { kind: "ignored", reason: "not_a_user_event", eventType: null };
  const eventType = envelope.data.type;
  const change = CLERK_USER_CHANGES.get(eventType);
  if (change === undefined) return { kind: "ignored", reason: "other_event_type", eventType };
  const user = ClerkUserSchema.safeParse(envelope.data.data);
  if (!user.success) return { kind: "ignored", reason: "not_a_user_event", eventType };
  if (change === "deleted") {
    return { kind: "user", facts: { subject: user.data.id, change, emailVerified: false } };
  }
  const primary = user.data.email_addresses?.find((entry) => entry.id === user.data.primary_email_address_id);
  const name = nameOf(user.data);
  return {
    kind: "user",
    facts: {
      subject: user.data.id,
      change,
      ...(primary ? { email: primary.email_address.trim() } : {}),
      emailVerified: primary?.verification?.status === "verified",
      ...(name === undefined ? {} : { name }),
    },
  };
}

export type IdentityChanged = {
  type: "ingestion.identity.changed";
  data: {
    issuer: string;
    subject: string;
    change: IdentityChangeKind;
    email?: string;
    emailVerified: boolean;
    name?: string;
    deliveryId: string;
    receivedAt: string;
  };
};

export type IdentityEvent = IdentityChanged;

export type IdentityCommand = {
  type: "RecordIdentityChange";
  data: IdentityFacts & { issuer: string; deliveryId: string };
  meta: { now: Date };
};

export type IdentityState = { status: "absent" } | { status: "present" } | { status: "deleted" };

/**
 * Every change is told, except after a deletion: the provider does not reuse ids, so anything about
 * a deleted user afterwards (a late retry of an older update) brings nobody back.
 */
export function decideIdentity(command: IdentityCommand, state: IdentityState): IdentityEvent[] {
  if (state.status === "deleted") return [];
  const { data, meta } = command;
  return [
    {
      type: "ingestion.identity.changed",
      data: {
        issuer: data.issuer,
        subject: data.subject,
        change: data.change,
        ...(data.email === undefined ? {} : { email: data.email }),
        emailVerified: data.emailVerified,
        ...(data.name === undefined ? {} : { name: data.name }),
        deliveryId: data.deliveryId,
        receivedAt: meta.now.toISOString(),
      },
    },
  ];
}

export function evolveIdentity(_state: IdentityState, event: IdentityEvent): IdentityState {
  return event.data.change === "deleted" ? { status: "deleted" } : { status: "present" };
}

export const identityDecider = {
  decide: decideIdentity,
  evolve: evolveIdentity,
  initialState: (): IdentityState => ({ status: "absent" }),
};

export function identityStreamId(issuer: string, subject: string): string {
  return `identity-${issuer}:${subject}`;
}

/** The personal-data subject of an identity: its own key, destroyed when the provider deletes it. */
export function identitySubject(issuer: string, subject: string): string {
  return `identity:${issuer}:${subject}`;
}
