import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { ConflictError, TesseraError, type TesseraErrorOptions } from "@tessera/contracts";
import { sql } from "kysely";
import type { EventLike, StoredEvent } from "./events.ts";
import type { PublishedCopy } from "./relay.ts";
import { type AnyDb, type AnyTransaction, assertSchemaName } from "./schema.ts";

/** What a sealed field reads as once its subject's key is destroyed. */
export const ERASED_PLACEHOLDER = "[erased]";

/** Which top-level fields of an event's data are personal, and whose they are. */
export interface PersonalFields {
  /** The person the data is about (a user id); one key per subject. At most 200 characters. */
  subjectId: string;
  fields: readonly string[];
}

/** Personal data was to be sealed for a subject whose key is destroyed: that person is erased. */
export class PersonalDataErasedError extends ConflictError {
  override name = "PersonalDataErasedError";
  constructor(options: TesseraErrorOptions = {}) {
    super("eventstore.subject_erased", "Personal data cannot be stored for an erased subject.", options);
  }
}

/** A sealed value that does not decrypt under its key: tampering or a foreign value, never silently accepted. */
export class SealedValueError extends TesseraError {
  override name = "SealedValueError";
  constructor(field: string, options: TesseraErrorOptions = {}) {
    super("eventstore.sealed_value_invalid", 500, `The sealed field ${field} cannot be opened.`, options);
  }
}

/**
 * A per-subject key vault (table `personal_data_keys` in the service schema) with AES-256-GCM
 * field encryption. Destroying a subject's key forgets every sealed field about them, while the
 * events themselves stay where they are (crypto-shredding).
 */
export interface PersonalDataVault {
  /** The data with the declared top-level fields sealed under the subject's key, created on first use. */
  seal(data: unknown, personal: PersonalFields): Promise<unknown>;
  /** The data with every sealed field opened; a destroyed key gives `ERASED_PLACEHOLDER`. */
  open(data: unknown): Promise<unknown>;
  /** `open` for many events at once, with one key lookup. */
  reveal<E extends EventLike>(events: readonly StoredEvent<E>[]): Promise<StoredEvent<E>[]>;
  /** Destroys the subject's key for good and leaves a tombstone; idempotent. */
  destroyKey(subjectId: string): Promise<void>;
  /**
   * Notes where the bus stored an event published with these (sealed) data opened. When one of its
   * subjects was erased meanwhile (the erasure missed this copy), deletes the copy at once instead.
   */
  rememberCopy(
    eventId: string,
    data: unknown,
    copy: PublishedCopy,
    deleteCopies: DeletePublishedCopies,
  ): Promise<void>;
  /** Where the bus holds events published with the subject's personal fields in the clear. */
  publishedCopies(subjectId: string): Promise<PublishedCopy[]>;
  /**
   * Erasure: destroys the key, then deletes the bus's copies of the subject's published events
   * (through `deleteCopies`) and forgets them. Idempotent. Run in a transaction, the destroyed key
   * stays locked until commit, so a copy recorded meanwhile is seen by `rememberCopy`'s check.
   */
  erase(subjectId: string, deleteCopies: DeletePublishedCopies): Promise<void>;
}

/** Deletes published copies from the bus (the bus's `deletePublished`). */
export type DeletePublishedCopies = (copies: readonly PublishedCopy[]) => Promise<void>;

const PREFIX = "pii:v1:";
/**
 * The sealed fields are listed in the data itself, so only those are ever opened: a value that
 * merely looks sealed (user input in another field) is left alone. Contracts strip the list on publish.
 */
const SEALED_LIST = "$sealed";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_SUBJECT_LENGTH = 200;

interface Sealed {
  subjectId: string;
  iv: Buffer;
  payload: Buffer;
}

export function createPersonalDataVault(
  db: AnyDb | AnyTransaction,
  options: { schema: string },
): PersonalDataVault {
  const keys = sql.table(`${assertSchemaName(options.schema)}.personal_data_keys`);

  const copies = sql.table(`${assertSchemaName(options.schema)}.published_personal_data`);

  async function destroyKey(subjectId: string): Promise<void> {
    await sql`insert into ${keys} (subject_id, key, destroyed_at) values (${subjectId}, null, now())
              on conflict (subject_id) do update set key = null,
                destroyed_at = coalesce(${keys}.destroyed_at, now())`.execute(db);
  }

  async function publishedCopies(subjectId: string): Promise<PublishedCopy[]> {
    const { rows } = await sql<{ stream: string; seq: string }>`
      select stream, seq from ${copies} where subject_id = ${subjectId} order by seq`.execute(db);
    return rows.map((row) => ({ stream: row.stream, seq: Number(row.seq) }));
  }

  async function keyFor(subjectId: string): Promise<Buffer> {
    if (subjectId.length === 0 || subjectId.length > MAX_SUBJECT_LENGTH) {
      throw new TesseraError(
        "eventstore.subject_invalid",
        500,
        "A personal-data subject id is 1–200 characters.",
      );
    }
    // Insert-or-nothing, then read: a concurrent first use waits for the other insert and reads its key.
    await sql`insert into ${keys} (subject_id, key) values (${subjectId}, ${randomBytes(32)})
              on conflict (subject_id) do nothing`.execute(db);
    const { rows } = await sql<{ key: Buffer | null }>`
      select key from ${keys} where subject_id = ${subjectId}`.execute(db);
    const key = rows[0]?.key;
    if (!key) throw new PersonalDataErasedError();
    return key;
  }

  async function keysOf(subjectIds: readonly string[]): Promise<Map<string, Buffer>> {
    if (subjectIds.length === 0) return new Map();
    const { rows } = await sql<{ subject_id: string; key: Buffer | null }>`
      select subject_id, key from ${keys}
       where subject_id in (${sql.join(subjectIds)}) and key is not null`.execute(db);
    return new Map(rows.flatMap((row) => (row.key ? [[row.subject_id, row.key] as const] : [])));
  }

  async function openAll(datas: readonly unknown[]): Promise<unknown[]> {
    const parsed = datas.map(sealedFields);
    const subjects = new Set(parsed.flatMap((fields) => fields.map(([, sealed]) => sealed.subjectId)));
    const found = await keysOf([...subjects]);
    return datas.map((data, index) => {
      if (!isRecord(data) || !(SEALED_LIST in data)) return data;
      const { [SEALED_LIST]: _list, ...result } = data;
      for (const [field, sealed] of parsed[index] ?? []) {
        const key = found.get(sealed.subjectId);
        result[field] = key ? decrypt(key, field, sealed) : ERASED_PLACEHOLDER;
      }
      return result;
    });
  }

  return {
    async seal(data, personal) {
      if (!isRecord(data)) return data;
      const present = personal.fields.filter((field) => data[field] !== undefined);
      if (present.length === 0) return data;
      const key = await keyFor(personal.subjectId);
      const result: Record<string, unknown> = { ...data, [SEALED_LIST]: present };
      for (const field of present) result[field] = encrypt(key, personal.subjectId, field, data[field]);
      return result;
    },
    async open(data) {
      const [opened] = await openAll([data]);
      return opened;
    },
    async reveal(events) {
      const opened = await openAll(events.map((event) => event.data));
      return events.map((event, index) => Object.assign({}, event, { data: opened[index] }));
    },
    destroyKey,
    async rememberCopy(eventId, data, copy, deleteCopies) {
      const subjects = [...new Set(sealedFields(data).map(([, sealed]) => sealed.subjectId))];
      if (subjects.length === 0) return;
      await sql`insert into ${copies} (subject_id, event_id, stream, seq)
                values ${sql.join(subjects.map((subject) => sql`(${subject}, ${eventId}, ${copy.stream}, ${copy.seq})`))}
                on conflict do nothing`.execute(db);
      // An erasure destroys the key before it looks for copies, and holds that row until it
      // commits: either it saw the row above, or this waits for it and finds the key gone.
      // (No `key is null` filter: a row the snapshot shows with its key would be skipped unlocked.)
      const { rows } = await sql<{ erased: boolean }>`
        select key is null as erased from ${keys} where subject_id in (${sql.join(subjects)})
           for share`.execute(db);
      if (!rows.some((row) => row.erased)) return;
      await deleteCopies([copy]);
      await sql`delete from ${copies} where stream = ${copy.stream} and seq = ${copy.seq}`.execute(db);
    },
    publishedCopies,
    async erase(subjectId, deleteCopies) {
      await destroyKey(subjectId);
      await deleteCopies(await publishedCopies(subjectId));
      await sql`delete from ${copies} where subject_id = ${subjectId}`.execute(db);
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The subject and field name are authenticated data: a sealed value cannot be moved to another person or field. */
function aad(subjectId: string, field: string): Buffer {
  return Buffer.from(`${subjectId}\u0000${field}`, "utf8");
}

function encrypt(key: Buffer, subjectId: string, field: string, value: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(aad(subjectId, field));
  const body = Buffer.concat([
    cipher.update(JSON.stringify(value), "utf8"),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `${PREFIX}${Buffer.from(subjectId, "utf8").toString("base64url")}:${iv.toString("base64url")}:${body.toString("base64url")}`;
}

function decrypt(key: Buffer, field: string, sealed: Sealed): unknown {
  try {
    const tag = sealed.payload.subarray(sealed.payload.length - TAG_BYTES);
    const body = sealed.payload.subarray(0, sealed.payload.length - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv).setAAD(aad(sealed.subjectId, field));
    decipher.setAuthTag(tag);
    return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8"));
  } catch (cause) {
    throw new SealedValueError(field, { cause });
  }
}

function parseSealed(field: string, value: unknown): Sealed {
  const parts =
    typeof value === "string" && value.startsWith(PREFIX) ? value.slice(PREFIX.length).split(":") : [];
  const [subject, iv, payload] = parts;
  if (parts.length !== 3 || subject === undefined || iv === undefined || payload === undefined) {
    throw new SealedValueError(field);
  }
  const ivBytes = Buffer.from(iv, "base64url");
  const payloadBytes = Buffer.from(payload, "base64url");
  if (ivBytes.length !== IV_BYTES || payloadBytes.length < TAG_BYTES) throw new SealedValueError(field);
  return {
    subjectId: Buffer.from(subject, "base64url").toString("utf8"),
    iv: ivBytes,
    payload: payloadBytes,
  };
}

function sealedFields(data: unknown): [string, Sealed][] {
  if (!isRecord(data)) return [];
  const list = data[SEALED_LIST];
  if (!Array.isArray(list)) return [];
  return list.map((field): [string, Sealed] => {
    const name = String(field);
    return [name, parseSealed(name, data[name])];
  });
}
