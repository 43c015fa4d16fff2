import { createHash, createHmac } from "node:crypto";
import type { Bus } from "@tessera/bus";
import {
  AccessForbiddenError,
  type MessageContext,
  ProjectNotVisibleError,
  type ProjectRole,
} from "@tessera/contracts";
import { commandRunner } from "@tessera/eventstore";
import { type AesKeyRing, callerOf, type Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { type ContactCommand, contactDecider, contactStreamId } from "../domain/contact.ts";
import {
  type EndpointCommand,
  endpointDecider,
  endpointStreamId,
  type SettingsCommand,
  settingsDecider,
  settingsStreamId,
} from "../domain/endpoint.ts";
import { type MessageCommand, messageDecider, messageStreamId } from "../domain/message.ts";
import { outboundStores } from "../infra/event-store.ts";
import type { OutboundDb } from "../infra/outbound.tables.ts";
import {
  projectContactEvents,
  projectEndpointEvents,
  projectMessageEvents,
  projectSettingsEvents,
} from "../infra/projection.ts";
import type { EmailChannel, WebhookChannel } from "./channels.ts";

export interface OutboundSettings {
  /** Base URL of links in emails (`OUTBOUND_APP_URL`). */
  readonly appUrl: string;
}

/** What the outbound handlers are built from; wired once in register-outbound.ts. */
export interface OutboundDeps {
  readonly db: Kysely<OutboundDb>;
  readonly bus: Bus;
  /** Seals endpoint secrets and unsubscribe tokens. */
  readonly keys: AesKeyRing;
  /** Key of the email blind index (HMAC-SHA256). */
  readonly emailIndexKey: Buffer;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly settings: OutboundSettings;
  readonly email: EmailChannel;
  readonly webhook: WebhookChannel;
}

export const OUTBOUND_ACTOR = "system:outbound";

/** The blind index of an email address: HMAC of the trimmed, lower-cased address. */
export function emailIndexOf(key: Buffer, email: string): string {
  return createHmac("sha256", key).update(email.trim().toLowerCase(), "utf8").digest("base64url");
}

export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Load → decide → append on each aggregate's stream, its read-model rows updated in the same transaction. */
export const runContactCommand = commandRunner({
  stores: outboundStores,
  decider: contactDecider,
  streamId: (command: ContactCommand) => contactStreamId(command.data.contactId),
  inline: [projectContactEvents],
});

export const runEndpointCommand = commandRunner({
  stores: outboundStores,
  decider: endpointDecider,
  streamId: (command: EndpointCommand) => endpointStreamId(command.data.endpointId),
  inline: [projectEndpointEvents],
});

export const runSettingsCommand = commandRunner({
  stores: outboundStores,
  decider: settingsDecider,
  streamId: (command: SettingsCommand) => settingsStreamId(command.data.projectId),
  inline: [projectSettingsEvents],
});

export const runMessageCommand = commandRunner({
  stores: outboundStores,
  decider: messageDecider,
  streamId: (command: MessageCommand) => messageStreamId(command.data.messageId),
  inline: [projectMessageEvents],
});

const WRITERS: readonly ProjectRole[] = ["owner", "admin", "member"];
const ADMINS: readonly ProjectRole[] = ["owner", "admin"];

/**
 * The gateway checks the project role; this is the check again, so an internal caller naming a
 * viewer cannot write by accident. The platform itself (a system caller) may.
 */
function requireRole(ctx: MessageContext, roles: readonly ProjectRole[], what: string): string {
  const caller = callerOf(ctx);
  if (caller.kind === "system") return `system:${caller.name}`;
  if (caller.kind !== "user" || ctx.projectRole === undefined) throw new ProjectNotVisibleError();
  if (!roles.includes(ctx.projectRole)) throw new AccessForbiddenError(`Only ${what} may do this.`);
  return caller.userId;
}

/** A member who may write (not a viewer); returns the actor. */
export function requireWriter(ctx: MessageContext): string {
  return requireRole(ctx, WRITERS, "the project's owners, admins and members");
}

/** The project's owners and admins; returns the actor. */
export function requireAdmin(ctx: MessageContext): string {
  return requireRole(ctx, ADMINS, "the project's owners and admins");
}

export function isAdmin(ctx: MessageContext): boolean {
  return (
    callerOf(ctx).kind === "system" || (ctx.projectRole !== undefined && ADMINS.includes(ctx.projectRole))
  );
}
