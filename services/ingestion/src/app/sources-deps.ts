import type { Bus } from "@tessera/bus";
import { AccessForbiddenError, type MessageContext, ProjectNotVisibleError } from "@tessera/contracts";
import { commandRunner } from "@tessera/eventstore";
import { type AesKeyRing, callerOf, type Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { type ItemCommand, itemDecider, itemStreamId } from "../domain/item.ts";
import { type SourceCommand, sourceDecider, sourceStreamId } from "../domain/source.ts";
import { ingestionStores } from "../infra/event-store.ts";
import { projectItemEvents } from "../infra/items.ts";
import { projectSourceEvents } from "../infra/source-projection.ts";
import type { SourcesDb } from "../infra/sources.tables.ts";

export interface SourcesSettings {
  /** Public base URL of the gateway, for hook URLs. */
  readonly publicUrl: string;
  /** How long a rotated-out secret keeps verifying, in ms. */
  readonly secretOverlapMs: number;
  /** How long a delivery id is remembered, in ms. */
  readonly dedupeWindowMs: number;
}

/** What the sources area's handlers are built from; wired once in register-sources.ts. */
export interface SourcesDeps {
  readonly db: Kysely<SourcesDb>;
  readonly bus: Bus;
  /** Seals and opens source secrets. */
  readonly keys: AesKeyRing;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly settings: SourcesSettings;
}

/** Load → decide → append on the source's stream, with its row and bindings in the same transaction. */
export const runSourceCommand = commandRunner({
  stores: ingestionStores,
  decider: sourceDecider,
  streamId: (command: SourceCommand) => sourceStreamId(command.data.sourceId),
  inline: [projectSourceEvents],
});

export const runItemCommand = commandRunner({
  stores: ingestionStores,
  decider: itemDecider,
  streamId: (command: ItemCommand) => itemStreamId(command.data.itemId),
  inline: [projectItemEvents],
});

/**
 * Changing a source is for the project's owners and admins. The gateway checks the role; this is
 * the check again, so an internal caller naming a member cannot do it by accident. The platform
 * itself (a system caller) may.
 */
export function requireSourceAdmin(ctx: MessageContext): void {
  const caller = callerOf(ctx);
  if (caller.kind === "system") return;
  if (caller.kind !== "user" || ctx.projectRole === undefined) throw new ProjectNotVisibleError();
  if (ctx.projectRole !== "owner" && ctx.projectRole !== "admin") {
    throw new AccessForbiddenError("Only the project's owners and admins may change its sources.");
  }
}
