import type { ItemKind, MessageContext, SourceType } from "@tessera/contracts";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import type { Transaction } from "kysely";
import type { IncomingMessageFacts } from "../domain/chatwoot.ts";
import { claimDelivery, storeRevisionBody } from "../infra/items.ts";
import type { SourcesDb } from "../infra/sources.tables.ts";
import { holdHookTarget } from "../infra/sources.ts";
import { contentHashOf, itemIdFor } from "./item-ids.ts";
import { runItemCommand, type SourcesDeps } from "./sources-deps.ts";

/** Something a source received, about to be kept under its stable id. */
export interface IncomingItem {
  readonly source: { readonly id: string; readonly projectId: string; readonly type: SourceType };
  /** The stable id: a webhook's `webhook-id`, `cw:<account>:msg:<id>`, … */
  readonly externalId: string;
  readonly kind: ItemKind;
  readonly contentType: string;
  /** What is kept and hashed: the bytes received, or a connector's canonical record. */
  readonly body: Buffer;
  /** The request headers that identify and sign it. */
  readonly headers: Readonly<Record<string, string>>;
  /** A sender's delivery id to remember for the dedupe window (a webhook's `webhook-id`). */
  readonly deliveryId: string | null;
  /** A contact's message: `evt.ingestion.message.received` follows its first revision. */
  readonly incoming?: IncomingMessageFacts | null;
}

/**
 * `recorded`: a new item or revision (its event follows through the outbox). `unchanged`: the same
 * content under that id again. `duplicate`: a delivery id seen inside the dedupe window. `gone`:
 * the source was deleted meanwhile.
 */
export type RecordOutcome = "recorded" | "unchanged" | "duplicate" | "gone";

type RecordDeps = Pick<SourcesDeps, "db" | "clock" | "settings">;

/**
 * Keeps an item durably, in one transaction: the delivery id claimed, the item's event appended
 * (its row projected), the body stored. A repeat has no second effect whichever way it repeats.
 */
export async function recordItem(
  deps: RecordDeps,
  item: IncomingItem,
  ctx: MessageContext,
): Promise<RecordOutcome> {
  return deps.db.transaction().execute((trx) => recordItemIn(trx, deps, item, ctx));
}

/**
 * `recordItem` inside the caller's transaction, so a connector commits a page of items with the
 * cursor that covers them. The source is held (for share) until that transaction ends.
 */
export async function recordItemIn(
  trx: Transaction<SourcesDb>,
  deps: Pick<RecordDeps, "clock" | "settings">,
  item: IncomingItem,
  ctx: MessageContext,
): Promise<RecordOutcome> {
  const now = deps.clock();
  const windowStart = new Date(now.getTime() - deps.settings.dedupeWindowMs);
  const { source } = item;
  if (!(await holdHookTarget(trx, source.id))) return "gone";
  if (item.deliveryId !== null && !(await claimDelivery(trx, source.id, item.deliveryId, now, windowStart))) {
    return "duplicate";
  }
  const result = await runItemCommand(
    trx,
    {
      type: "ReceiveItem",
      data: {
        itemId: itemIdFor(source.id, item.externalId),
        projectId: source.projectId,
        sourceId: source.id,
        sourceType: source.type,
        externalId: item.externalId,
        kind: item.kind,
        contentHash: contentHashOf(item.body),
        contentType: item.contentType,
        bytes: item.body.length,
        incoming: item.incoming ?? null,
      },
      meta: { now },
    },
    eventMetadata(ctx, { actor: systemActor("ingestion"), projectId: source.projectId }),
  );
  // The item's revision comes first; a contact's message is told after it.
  const [received] = result.events;
  if (received === undefined || received.type !== "ingestion.item.received") return "unchanged";
  await storeRevisionBody(trx, received.data, { body: item.body, headers: item.headers });
  return "recorded";
}
