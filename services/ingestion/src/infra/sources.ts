import type { ChatwootConfig, CreatedCursor, Source } from "@tessera/contracts";
import { isUniqueViolation } from "@tessera/eventstore";
import { createdAfter } from "@tessera/service-kit";
import { type Kysely, sql, type Transaction } from "kysely";
import type { PublicConfig } from "../domain/source-config.ts";
import type { SourceRow, SourcesDb } from "./sources.tables.ts";

export type Db = Kysely<SourcesDb> | Transaction<SourcesDb>;

/** Where a source's webhooks go: `<public base URL>/v1/hooks/<id>` (an upload source takes none). */
export function hookUrlOf(publicUrl: string, sourceId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/v1/hooks/${sourceId}`;
}

export function sourceFromRow(row: SourceRow, publicUrl: string): Source {
  const common = {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    paused: row.paused,
    lastSyncAt: row.last_sync_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  const url = hookUrlOf(publicUrl, row.id);
  switch (row.type) {
    case "chatwoot":
      return { ...common, type: "chatwoot", config: chatwootConfigOf(row), webhookUrl: url };
    case "webhook":
      return { ...common, type: "webhook", config: {}, webhookUrl: url };
    default:
      return { ...common, type: "upload", config: {}, webhookUrl: null };
  }
}

function isChatwootConfig(config: PublicConfig): config is ChatwootConfig {
  return "baseUrl" in config;
}

function chatwootConfigOf(row: SourceRow): ChatwootConfig {
  if (!isChatwootConfig(row.config)) throw new TypeError(`chatwoot source ${row.id} has no chatwoot config`);
  return row.config;
}

export async function findSource(
  db: Db,
  projectId: string,
  sourceId: string,
): Promise<SourceRow | undefined> {
  return db
    .selectFrom("sources")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", sourceId)
    .executeTakeFirst();
}

/** The row, locked until the transaction ends, so changes to one source (and its deletion) take turns. */
export async function lockSource(
  trx: Transaction<SourcesDb>,
  projectId: string,
  sourceId: string,
): Promise<SourceRow | undefined> {
  return trx
    .selectFrom("sources")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", sourceId)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * The source a webhook names. The hook URL is the only thing an anonymous sender has, so this is
 * the one lookup without a project: the signature then decides whether the sender may use it.
 */
export async function findHookTarget(db: Db, sourceId: string): Promise<SourceRow | undefined> {
  return db.selectFrom("sources").selectAll().where("id", "=", sourceId).executeTakeFirst();
}

/** Holds the source against deletion while a delivery to it is stored; undefined once it is gone. */
export async function holdHookTarget(trx: Transaction<SourcesDb>, sourceId: string): Promise<boolean> {
  const row = await trx
    .selectFrom("sources")
    .select("id")
    .where("id", "=", sourceId)
    .forShare()
    .executeTakeFirst();
  return row !== undefined;
}

/** Oldest first, keyset-paged on (created_at, id). */
export async function listSources(
  db: Db,
  projectId: string,
  page: { after?: CreatedCursor; limit: number },
): Promise<SourceRow[]> {
  const query = db
    .selectFrom("sources")
    .selectAll()
    .where("project_id", "=", projectId)
    .where(createdAfter(page.after))
    .orderBy("created_at")
    .orderBy("id")
    .limit(page.limit);
  return query.execute();
}

/** Serialises bindings of one external account until the transaction ends. */
export async function lockExternalAccount(trx: Transaction<SourcesDb>, accountKey: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${accountKey}, 0))`.execute(trx);
}

/** The scopes of an external account bound by sources other than `exceptSourceId`. */
export async function boundScopes(db: Db, accountKey: string, exceptSourceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("source_bindings")
    .select("scope")
    .where("account_key", "=", accountKey)
    .where("source_id", "<>", exceptSourceId)
    .execute();
  return rows.map((row) => row.scope);
}

/** The unique `(account_key, scope)` refused a binding: another source took it meanwhile. */
export function isBindingTaken(error: unknown): boolean {
  return isUniqueViolation(error, "source_bindings_unique");
}

/** Removes what a deleted source received: its items, their bodies and its dedupe window. */
export async function deleteSourceItems(db: Db, projectId: string, sourceId: string): Promise<void> {
  await db
    .deleteFrom("item_revisions")
    .where("project_id", "=", projectId)
    .where("source_id", "=", sourceId)
    .execute();
  await db
    .deleteFrom("items")
    .where("project_id", "=", projectId)
    .where("source_id", "=", sourceId)
    .execute();
  await db.deleteFrom("hook_deliveries").where("source_id", "=", sourceId).execute();
}
