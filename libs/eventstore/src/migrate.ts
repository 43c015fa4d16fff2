import { sql } from "kysely";
import { type Migration, Migrator } from "kysely/migration";
import { MigrationFailedError } from "./errors.ts";
import { createEventStore } from "./migrations/2026_11_21_0001_create_event_store.ts";
import { createPersonalDataKeys } from "./migrations/2026_11_22_0001_create_personal_data_keys.ts";
import { notifyOnAppend } from "./migrations/2026_11_22_0002_notify_on_append.ts";
import { createPublishedPersonalData } from "./migrations/2026_11_22_0003_create_published_personal_data.ts";
import { type AnyDb, assertSchemaName, lockKey } from "./schema.ts";

export interface RunMigrationsOptions {
  /** The service's Postgres schema; created if missing, and home of the migrations table. */
  schema: string;
  /** Frozen migrations by name; names sort in the order they run (timestamp prefixes). */
  migrations: Record<string, Migration>;
  /** Bookkeeping table in `schema`. @default "kysely_migration" */
  migrationTableName?: string;
}

export interface MigrationsApplied {
  /** Names of the migrations this call ran (empty when the schema was already up to date). */
  applied: string[];
}

/**
 * Runs migrations to the latest, safely from many replicas at once: one transaction holds an
 * advisory lock keyed on the schema, so the first replica migrates and the others wait, then find
 * nothing left to do. Kysely's Migrator runs inside that transaction (DDL is transactional in
 * Postgres), so a failing migration leaves nothing half-applied.
 */
export async function runMigrations(db: AnyDb, options: RunMigrationsOptions): Promise<MigrationsApplied> {
  const schema = assertSchemaName(options.schema);
  const tableName = options.migrationTableName ?? "kysely_migration";
  // Kysely reports a later error (the aborted transaction refusing its bookkeeping), so the first
  // failure is kept here: it is the one that says what is wrong (a missing extension, say).
  let failed: { name: string; error: unknown } | undefined;
  const migrations = Object.fromEntries(
    Object.entries(options.migrations).map(([name, migration]): [string, Migration] => [
      name,
      {
        ...migration,
        async up(migrationDb) {
          try {
            await migration.up(migrationDb);
          } catch (error) {
            failed ??= { name, error };
            throw error;
          }
        },
      },
    ]),
  );
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${lockKey("migrate", schema)})`.execute(trx);
    await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
    const migrator = new Migrator({
      db: trx,
      provider: { getMigrations: async () => migrations },
      migrationTableSchema: schema,
      migrationTableName: tableName,
      migrationLockTableName: `${tableName}_lock`,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (failed !== undefined) throw new MigrationFailedError(schema, failed.name, { cause: failed.error });
    if (error !== undefined) throw error;
    return { applied: (results ?? []).map((result) => result.migrationName) };
  });
}

/** The event store's own migrations, kept in their own bookkeeping table beside the service's. */
const EVENT_STORE_MIGRATION_TABLE = "eventstore_migration";

function eventStoreMigrations(schema: string): Record<string, Migration> {
  return {
    "2026_11_21_0001_create_event_store": createEventStore(schema),
    "2026_11_22_0001_create_personal_data_keys": createPersonalDataKeys(schema),
    "2026_11_22_0002_notify_on_append": notifyOnAppend(schema),
    "2026_11_22_0003_create_published_personal_data": createPublishedPersonalData(schema),
  };
}

/** Creates (or upgrades) the event store tables in `schema`. Idempotent; safe from many replicas. */
export async function migrateEventStore(db: AnyDb, options: { schema: string }): Promise<MigrationsApplied> {
  const schema = assertSchemaName(options.schema);
  return runMigrations(db, {
    schema,
    // Its own bookkeeping table, so the service's migrations in the same schema stay separate.
    migrationTableName: EVENT_STORE_MIGRATION_TABLE,
    migrations: eventStoreMigrations(schema),
  });
}

export interface MigrationStatus {
  name: string;
  /** When it ran; undefined while pending. */
  executedAt: Date | undefined;
}

/** Each migration in name order, with when it ran (Kysely's bookkeeping); reads only, creates nothing. */
export async function migrationStatus(db: AnyDb, options: RunMigrationsOptions): Promise<MigrationStatus[]> {
  const schema = assertSchemaName(options.schema);
  const tableName = options.migrationTableName ?? "kysely_migration";
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => options.migrations },
    migrationTableSchema: schema,
    migrationTableName: tableName,
    migrationLockTableName: `${tableName}_lock`,
  });
  const migrations = await migrator.getMigrations();
  return migrations.map(({ name, executedAt }) => ({ name, executedAt }));
}

/** `migrationStatus` of the event store's own tables in `schema`. */
export function eventStoreMigrationStatus(
  db: AnyDb,
  options: { schema: string },
): Promise<MigrationStatus[]> {
  const schema = assertSchemaName(options.schema);
  return migrationStatus(db, {
    schema,
    migrationTableName: EVENT_STORE_MIGRATION_TABLE,
    migrations: eventStoreMigrations(schema),
  });
}
