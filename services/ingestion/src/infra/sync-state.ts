import type { Kysely, Transaction } from "kysely";
import type { ConversationSyncState, SyncCursor } from "../domain/chatwoot-sync.ts";
import type { SourcesDb } from "./sources.tables.ts";
import { holdHookTarget } from "./sources.ts";
import type { SyncDb } from "./sync.tables.ts";

type Db = Kysely<SyncDb> | Transaction<SyncDb>;

/** Which source's state: every query names the project too. */
export interface SyncSource {
  readonly projectId: string;
  readonly sourceId: string;
}

/** A source's sync state as a run starts from it. */
export interface SyncState {
  readonly cursor: SyncCursor | null;
  /** No request to Chatwoot before this (its `Retry-After`). */
  readonly notBefore: Date | null;
}

function cursorOf(activityAt: string | null, conversationId: string | null): SyncCursor | null {
  if (activityAt === null || conversationId === null) return null;
  return { activityAt: Number(activityAt), conversationId: Number(conversationId) };
}

/**
 * The source's state under `scope`, created on the first run; undefined once the source is gone.
 * Another scope (the source now reads another installation, account or inbox list) starts over:
 * cursor and conversation states go.
 */
export async function openSyncState(
  db: Kysely<SyncDb>,
  source: SyncSource,
  scope: string,
  now: Date,
): Promise<SyncState | undefined> {
  const { projectId, sourceId } = source;
  return db.transaction().execute(async (trx) => {
    // Held against deletion, so no state outlives its source.
    if (!(await holdHookTarget(trx, sourceId))) return undefined;
    await trx
      .insertInto("chatwoot_sync_state")
      .values({ source_id: sourceId, project_id: projectId, scope, updated_at: now.toISOString() })
      .onConflict((oc) => oc.column("source_id").doNothing())
      .execute();
    const row = await trx
      .selectFrom("chatwoot_sync_state")
      .selectAll()
      .where("project_id", "=", projectId)
      .where("source_id", "=", sourceId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (row.scope === scope) {
      return {
        cursor: cursorOf(row.cursor_activity_at, row.cursor_conversation_id),
        notBefore: row.not_before,
      };
    }
    await trx
      .deleteFrom("chatwoot_conversation_sync")
      .where("project_id", "=", projectId)
      .where("source_id", "=", sourceId)
      .execute();
    await trx
      .updateTable("chatwoot_sync_state")
      .set({ scope, cursor_activity_at: null, cursor_conversation_id: null, updated_at: now.toISOString() })
      .where("project_id", "=", projectId)
      .where("source_id", "=", sourceId)
      .execute();
    return { cursor: null, notBefore: row.not_before };
  });
}

/**
 * The cursor as committed, locked until the transaction ends (concurrent runs of one source take
 * turns committing); undefined once the source is deleted.
 */
export async function lockCursor(
  trx: Transaction<SyncDb>,
  source: SyncSource,
): Promise<{ cursor: SyncCursor | null } | undefined> {
  const row = await trx
    .selectFrom("chatwoot_sync_state")
    .select(["cursor_activity_at", "cursor_conversation_id"])
    .where("project_id", "=", source.projectId)
    .where("source_id", "=", source.sourceId)
    .forUpdate()
    .executeTakeFirst();
  return row && { cursor: cursorOf(row.cursor_activity_at, row.cursor_conversation_id) };
}

export async function saveCursor(
  trx: Transaction<SyncDb>,
  source: SyncSource,
  cursor: SyncCursor,
  now: Date,
): Promise<void> {
  await trx
    .updateTable("chatwoot_sync_state")
    .set({
      cursor_activity_at: cursor.activityAt,
      cursor_conversation_id: cursor.conversationId,
      updated_at: now.toISOString(),
    })
    .where("project_id", "=", source.projectId)
    .where("source_id", "=", source.sourceId)
    .execute();
}

/** Chatwoot asked to wait (`Retry-After`): kept for whichever attempt comes next, on any replica. */
export async function holdOffUntil(db: Db, source: SyncSource, notBefore: Date | null): Promise<void> {
  await db
    .updateTable("chatwoot_sync_state")
    .set({ not_before: notBefore === null ? null : notBefore.toISOString() })
    .where("project_id", "=", source.projectId)
    .where("source_id", "=", source.sourceId)
    .execute();
}

export async function conversationStates(
  db: Db,
  source: SyncSource,
  conversationIds: readonly number[],
): Promise<Map<number, ConversationSyncState>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("chatwoot_conversation_sync")
    .selectAll()
    .where("project_id", "=", source.projectId)
    .where("source_id", "=", source.sourceId)
    .where("conversation_id", "in", conversationIds.map(String))
    .execute();
  return new Map(
    rows.map((row) => [
      Number(row.conversation_id),
      {
        activityAt: Number(row.activity_at),
        updatedAt: row.updated_at,
        messageAnchorId: Number(row.message_anchor_id),
      },
    ]),
  );
}

/** A conversation as synced; its message anchor only ever moves forward. */
export async function saveConversationState(
  trx: Transaction<SyncDb>,
  source: SyncSource,
  conversationId: number,
  state: ConversationSyncState,
): Promise<void> {
  await trx
    .insertInto("chatwoot_conversation_sync")
    .values({
      source_id: source.sourceId,
      project_id: source.projectId,
      conversation_id: conversationId,
      activity_at: state.activityAt,
      updated_at: state.updatedAt,
      message_anchor_id: state.messageAnchorId,
    })
    .onConflict((oc) =>
      oc.columns(["source_id", "conversation_id"]).doUpdateSet((eb) => ({
        activity_at: eb.ref("excluded.activity_at"),
        updated_at: eb.ref("excluded.updated_at"),
        message_anchor_id: eb.fn("greatest", [
          eb.ref("chatwoot_conversation_sync.message_anchor_id"),
          eb.ref("excluded.message_anchor_id"),
        ]),
      })),
    )
    .execute();
}

/** A deleted source's sync state goes with its items. */
export async function deleteSyncState(trx: Transaction<SourcesDb>, source: SyncSource): Promise<void> {
  const db = trx.withTables<Omit<SyncDb, keyof SourcesDb>>();
  for (const table of ["chatwoot_conversation_sync", "chatwoot_sync_state"] as const) {
    await db
      .deleteFrom(table)
      .where("project_id", "=", source.projectId)
      .where("source_id", "=", source.sourceId)
      .execute();
  }
}
