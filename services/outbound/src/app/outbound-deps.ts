import { createHash, createHmac } from "node:crypto";
import type { Bus } from "@tessera/bus";
import {
  AccessForbiddenError,
  type EventMetadata,
  type MessageContext,
  ProjectNotVisibleError,
  type ProjectRole,
} from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { type AesKeyRing, callerOf, type Logger } from "@tessera/service-kit";
import type { Kysely, Transaction } from "kysely";
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

type Db = Kysely<OutboundDb> | Transaction<OutboundDb>;

export const OUTBOUND_ACTOR = "system:outbound";

/** The blind index of an email address: HMAC of the trimmed, lower-cased address. */
export function emailIndexOf(key: Buffer, email: string): string {
  return createHmac("sha256", key).update(email.trim().toLowerCase(), "utf8").digest("base64url");
}

export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function runContactCommand(db: Db, command: ContactCommand, metadata: EventMetadata) {
  return handleCommand(
    outboundStores.on(db),
    contactDecider,
    contactStreamId(command.data.contactId),
    command,
    {
      inline: [projectContactEvents],
      metadata,
    },
  );
}

export function runEndpointCommand(db: Db, command: EndpointCommand, metadata: EventMetadata) {
  return handleCommand(
    outboundStores.on(db),
    endpointDecider,
    endpointStreamId(command.data.endpointId),
    command,
    {
      inline: [projectEndpointEvents],
      metadata,
    },
  );
}

export function runSettingsCommand(db: Db, command: SettingsCommand, metadata: EventMetadata) {
  return handleCommand(
    outboundStores.on(db),
    settingsDecider,
    settingsStreamId(command.data.projectId),
    command,
    {
      inline: [projectSettingsEvents],
      metadata,
    },
  );
}

export function runMessageCommand(db: Db, command: MessageCommand, metadata: EventMetadata) {
  return handleCommand(
    outboundStores.on(db),
    messageDecider,
    messageStreamId(command.data.messageId),
    command,
    {
      inline: [projectMessageEvents],
      metadata,
    },
  );
}

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
