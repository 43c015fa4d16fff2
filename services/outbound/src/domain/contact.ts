import type { ContactPolicy } from "@tessera/contracts";
import type { SealedSecret } from "@tessera/service-kit";
import { ContactNotFoundError } from "./errors.ts";

/** A contact's personal fields (sealed under its key in the store) and the rest. */
export interface ContactFields {
  email: string | null;
  name: string | null;
  timezone: string | null;
  externalRefs: Record<string, string>;
  /** HMAC of the normalised email: matches replies without keeping the address in the clear. */
  emailIndex: string | null;
}

export const DEFAULT_POLICY: ContactPolicy = Object.freeze({
  optedOut: false,
  stopOnReply: true,
  maxPerDay: null,
  maxPerWeek: null,
  quietHours: null,
});

type Target = { contactId: string; projectId: string };

export type ContactEvent =
  | {
      type: "outbound.contact.created";
      data: Target &
        ContactFields & {
          unsubscribeTokenHash: string;
          unsubscribeToken: SealedSecret;
          policy: ContactPolicy;
          createdAt: string;
        };
    }
  | { type: "outbound.contact.updated"; data: Target & ContactFields & { updatedAt: string } }
  | {
      type: "outbound.contact.policy-changed";
      data: Target & { policy: ContactPolicy; actor: string; cause: string; changedAt: string };
    }
  | { type: "outbound.contact.deleted"; data: Target & { deletedAt: string } };

export type ContactState =
  | { readonly status: "absent" }
  | ({ readonly status: "active"; readonly policy: ContactPolicy } & Target & ContactFields)
  | ({ readonly status: "deleted" } & Target);

export type ContactCommand =
  | {
      type: "CreateContact";
      data: Target & ContactFields & { unsubscribeTokenHash: string; unsubscribeToken: SealedSecret };
      meta: { now: Date };
    }
  | { type: "UpdateContact"; data: Target & Partial<ContactFields>; meta: { now: Date } }
  | {
      type: "SetPolicy";
      /** `cause`: `api` (an admin) or `unsubscribe` (the contact's own one-click). */
      data: Target & { policy: ContactPolicy; cause: "api" | "unsubscribe" };
      meta: { now: Date; actor: string };
    }
  | { type: "DeleteContact"; data: Target; meta: { now: Date } };

export function contactStreamId(contactId: string): string {
  return `outbound-contact:${contactId}`;
}

function active(state: ContactState, target: Target) {
  if (state.status === "active" && state.projectId === target.projectId) return state;
  throw new ContactNotFoundError(target.contactId);
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function decideContact(command: ContactCommand, state: ContactState): ContactEvent[] {
  const now = command.meta.now.toISOString();
  const { contactId, projectId } = command.data;
  switch (command.type) {
    case "CreateContact":
      if (state.status !== "absent") return [];
      return [
        {
          type: "outbound.contact.created",
          data: { ...command.data, policy: DEFAULT_POLICY, createdAt: now },
        },
      ];
    case "UpdateContact": {
      const contact = active(state, command.data);
      const pick = <K extends keyof ContactFields>(key: K): ContactFields[K] =>
        command.data[key] === undefined ? contact[key] : (command.data[key] as ContactFields[K]);
      const next: ContactFields = {
        email: pick("email"),
        name: pick("name"),
        timezone: pick("timezone"),
        externalRefs: pick("externalRefs"),
        emailIndex: pick("emailIndex"),
      };
      const before: ContactFields = {
        email: contact.email,
        name: contact.name,
        timezone: contact.timezone,
        externalRefs: contact.externalRefs,
        emailIndex: contact.emailIndex,
      };
      if (sameJson(next, before)) return [];
      return [{ type: "outbound.contact.updated", data: { contactId, projectId, ...next, updatedAt: now } }];
    }
    case "SetPolicy": {
      const contact = active(state, command.data);
      if (sameJson(contact.policy, command.data.policy)) return [];
      return [
        {
          type: "outbound.contact.policy-changed",
          data: {
            contactId,
            projectId,
            policy: command.data.policy,
            actor: command.meta.actor,
            cause: command.data.cause,
            changedAt: now,
          },
        },
      ];
    }
    case "DeleteContact":
      active(state, command.data);
      return [{ type: "outbound.contact.deleted", data: { contactId, projectId, deletedAt: now } }];
    default: {
      const unknown: never = command;
      throw new TypeError(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveContact(state: ContactState, event: ContactEvent): ContactState {
  const d = event.data;
  switch (event.type) {
    case "outbound.contact.created":
      return {
        status: "active",
        contactId: d.contactId,
        projectId: d.projectId,
        email: event.data.email,
        name: event.data.name,
        timezone: event.data.timezone,
        externalRefs: event.data.externalRefs,
        emailIndex: event.data.emailIndex,
        policy: event.data.policy,
      };
    case "outbound.contact.updated":
      if (state.status !== "active") return state;
      return {
        ...state,
        email: event.data.email,
        name: event.data.name,
        timezone: event.data.timezone,
        externalRefs: event.data.externalRefs,
        emailIndex: event.data.emailIndex,
      };
    case "outbound.contact.policy-changed":
      return state.status === "active" ? { ...state, policy: event.data.policy } : state;
    case "outbound.contact.deleted":
      return { status: "deleted", contactId: d.contactId, projectId: d.projectId };
  }
}

export const contactDecider = {
  decide: decideContact,
  evolve: evolveContact,
  initialState: (): ContactState => ({ status: "absent" }),
};
