import { randomUUID } from "node:crypto";
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import { type Msg, type MsgHdrs, type NatsConnection, nanos } from "@nats-io/nats-core";
import { type ObjectStore, Objm, StorageType } from "@nats-io/obj";
import { PayloadMissingError, PayloadOffloadError } from "./errors.ts";
import type { BusLogger } from "./logger.ts";
import type { BusNames } from "./names.ts";
import { isCreationRace } from "./provision.ts";

/**
 * Largest request or reply body sent inline, in bytes of UTF-8 JSON: half of this NATS server's
 * `max_payload` (1 MiB), leaving room for headers. A server configured lower lowers it to half of
 * its own `max_payload`. A larger body goes through the object store. @default 524_288
 */
export const OFFLOAD_THRESHOLD_BYTES = 512 * 1024;

/** The object store bucket large bodies pass through; namespaced like KV buckets. */
export const PAYLOAD_BUCKET = "bus-payloads";

/**
 * How long an offloaded body is kept when nobody deletes it, in ms: its reader deletes it once
 * read, so only a reader that crashed, or a requester that stopped waiting, leaves one to age out.
 * Longer than any request's time-out. @default 300_000
 */
export const PAYLOAD_MAX_AGE_MS = 300_000;

/** NATS header naming the object that holds a message's body; such a message is itself empty. */
export const PAYLOAD_REF_HEADER = "Tessera-Payload-Ref";

const EMPTY = new Uint8Array(0);

/**
 * Moves bodies too large for one NATS message through a JetStream object store and back, so that
 * `serve` and `request` see the same JSON whatever its size. A body under the threshold is sent
 * as before: no object store round trip, not even a byte count for most.
 */
export interface Payloads {
  /** Whether `json` is too large to send inline. */
  exceedsInline(json: string): boolean;
  /** Stores `json`, names it in `hdrs`, and returns the (empty) body to send instead. */
  offload(json: string, hdrs: MsgHdrs): Promise<Uint8Array>;
  /** Whether a received message's body was offloaded. */
  isOffloaded(msg: Msg): boolean;
  /** An offloaded message's body, read and then deleted; `PayloadMissingError` when it is gone. */
  read(msg: Msg): Promise<string>;
  /** Deletes the body `hdrs` name, if any, when nobody will read it (no responder); best effort. */
  discard(hdrs: MsgHdrs): void;
}

export interface PayloadDeps {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly names: BusNames;
  readonly logger: BusLogger;
  /** Copies JetStream keeps of the payload bucket. @default 1 */
  readonly replicas?: number;
}

export function createPayloads(deps: PayloadDeps): Payloads {
  let store: Promise<ObjectStore> | undefined;
  const bucket = (): Promise<ObjectStore> => {
    store ??= openBucket(deps.js, deps.names.objectBucket(PAYLOAD_BUCKET), deps.replicas ?? 1);
    return store;
  };
  // After a failure the bucket is opened anew (created again if it was removed) by the next message.
  const failed = (error: unknown): unknown => {
    store = undefined;
    return error;
  };
  const put = async (name: string, bytes: Uint8Array) => (await bucket()).putBlob({ name }, bytes);
  const remove = async (name: string): Promise<void> => {
    try {
      await (await bucket()).delete(name);
    } catch (error) {
      deps.logger.warn(
        { err: failed(error), object: name },
        "could not delete an offloaded payload; it ages out",
      );
    }
  };

  return {
    exceedsInline(json) {
      const limit = inlineLimit(deps.nc);
      // A UTF-16 code unit is at most 3 UTF-8 bytes: most bodies are decided without counting.
      return json.length * 3 > limit && Buffer.byteLength(json, "utf8") > limit;
    },
    async offload(json, hdrs) {
      const name = randomUUID();
      const bytes = Buffer.from(json, "utf8");
      try {
        await put(name, bytes).catch((error: unknown) => {
          if (!isStreamGone(error)) throw error;
          failed(error); // removed since it was opened: create it again, once
          return put(name, bytes);
        });
      } catch (error) {
        throw new PayloadOffloadError({ cause: failed(error) });
      }
      hdrs.set(PAYLOAD_REF_HEADER, name);
      return EMPTY;
    },
    isOffloaded: (msg) => msg.data.length === 0 && msg.headers?.has(PAYLOAD_REF_HEADER) === true,
    async read(msg) {
      const name = msg.headers?.get(PAYLOAD_REF_HEADER) ?? "";
      let data: Uint8Array | null;
      try {
        data = name === "" ? null : await (await bucket()).getBlob(name);
      } catch (error) {
        throw new PayloadMissingError({ cause: failed(error) });
      }
      if (data === null) throw new PayloadMissingError();
      await remove(name);
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");
    },
    discard(hdrs) {
      const name = hdrs.get(PAYLOAD_REF_HEADER);
      if (name !== "") void remove(name);
    },
  };
}

function isStreamGone(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

function inlineLimit(nc: NatsConnection): number {
  const max = nc.info?.max_payload;
  return max === undefined ? OFFLOAD_THRESHOLD_BYTES : Math.min(OFFLOAD_THRESHOLD_BYTES, Math.floor(max / 2));
}

async function openBucket(js: JetStreamClient, name: string, replicas: number): Promise<ObjectStore> {
  const objm = new Objm(js);
  const options = { ttl: nanos(PAYLOAD_MAX_AGE_MS), storage: StorageType.File, replicas };
  try {
    return await objm.create(name, options);
  } catch (error) {
    // Two processes creating the bucket at once: the loser's stream add fails; the bucket is there now.
    if (!isCreationRace(error)) throw error;
    return objm.create(name, options);
  }
}
