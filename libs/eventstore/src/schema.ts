import type { ColumnType, Generated, Kysely, Transaction } from "kysely";
import { sql } from "kysely";
import { EventStoreConfigError } from "./errors.ts";

/**
 * Services hand in their own `Kysely<ServiceDb>`; the store only touches its own tables, which it
 * types itself, so it accepts any database type.
 */
// biome-ignore lint/suspicious/noExplicitAny: accepts every service's Kysely<DB>, see above
export type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: accepts every service's Transaction<DB>, see above
export type AnyTransaction = Transaction<any>;

/** jsonb goes in as JSON text: pg would turn a JavaScript array into a Postgres array literal. */
type Json<T> = ColumnType<T, string, string>;
type Generated64 = ColumnType<string, never, never>;

export interface EventsTable {
  /** bigint, read as a decimal string. */
  global_position: Generated64;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  version: Generated<number>;
  data: Json<unknown>;
  metadata: Json<Record<string, unknown>>;
  recorded_at: ColumnType<Date, never, never>;
  /** xid8, read as a decimal string. */
  transaction_id: Generated64;
}

export interface CheckpointsTable {
  name: string;
  transaction_id: Generated<string>;
  global_position: Generated<string>;
  updated_at: Generated<Date>;
}

export interface ProcessedEventsTable {
  consumer: string;
  event_id: string;
  processed_at: Generated<Date>;
}

/** The store's own tables, as seen through `db.withSchema(schema)`. */
export interface EventStoreTables {
  events: EventsTable;
  checkpoints: CheckpointsTable;
  processed_events: ProcessedEventsTable;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** Schema names end up in DDL and lock keys, so only plain lower-case identifiers are allowed. */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema) || schema.length > 63) {
    throw new EventStoreConfigError(`Invalid schema name "${schema}": expected ${SCHEMA_NAME}.`);
  }
  return schema;
}

/** Lower-case words joined by `-`, or `--` between a service and its purpose (`user--on-registered`). */
const PROCESSOR_NAME = /^(?=.{1,200}$)[a-z0-9]+(-{1,2}[a-z0-9]+)*$/;

/**
 * Projection and consumer names, in one spelling (as durable consumers are named); `$` is excluded
 * so the store's own checkpoints cannot collide.
 */
export function assertProcessorName(name: string): string {
  if (!PROCESSOR_NAME.test(name)) {
    throw new EventStoreConfigError(`Invalid name "${name}": expected ${PROCESSOR_NAME}.`);
  }
  return name;
}

export function storeTables(db: AnyDb | AnyTransaction, schema: string): Kysely<EventStoreTables> {
  return db.withSchema(schema);
}

/** A stable 64-bit advisory lock key, computed by Postgres so every replica agrees on it. */
export function lockKey(purpose: string, schema: string, name = "") {
  return sql<string>`hashtextextended(${`tessera:${purpose}:${schema}:${name}`}, 0)`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
