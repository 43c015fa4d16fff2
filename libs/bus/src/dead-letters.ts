import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type StoredMsg,
} from "@nats-io/jetstream";
import { nanos, headers as natsHeaders } from "@nats-io/nats-core";
import type { DeadLetter, DeadLetterDetail, DeadLetterReplay, ServiceName } from "@tessera/contracts";
import { DLQ_HEADER } from "./dead-letter.ts";
import { DeadLetterNotFoundError, PublishError } from "./errors.ts";
import { type BusNames, DLQ_STREAM } from "./names.ts";

/** A service's own dead letters (`dlq.<service>.>` in the DLQ stream), for the platform's own tools. */
export interface DeadLetters {
  /** Oldest first, from after the DLQ sequence `after`; `more` when letters are left behind the page. */
  list(options: { after?: number; limit: number }): Promise<{ items: DeadLetter[]; more: boolean }>;
  /** One letter with its headers and data; `DeadLetterNotFoundError` when it is not this service's. */
  get(seq: number): Promise<DeadLetterDetail>;
  /**
   * Publishes the message again to the subject it came from (so every consumer of that subject gets
   * it again: consumers are idempotent on the event id), then removes the letter. A replay repeated
   * within the duplicate window stores no second copy (`Nats-Msg-Id` = `dlq-replay:<seq>`).
   */
  replay(seq: number): Promise<DeadLetterReplay>;
}

/** Text of a letter's data shown at most, in bytes. */
const MAX_SHOWN_BYTES = 64 * 1024;
/** How long a listing's ephemeral consumer outlives a crashed caller, in ms. */
const LISTING_INACTIVE_MS = 30_000;
/** How long to wait for a listing's messages, in ms. */
const LISTING_EXPIRES_MS = 5_000;

const DLQ_HEADERS = new Set<string>(Object.values(DLQ_HEADER));

export function deadLetters(deps: {
  js: JetStreamClient;
  jsm: () => Promise<JetStreamManager>;
  names: BusNames;
  service: ServiceName;
}): DeadLetters {
  const { js, names, service } = deps;
  const stream = names.stream(DLQ_STREAM);
  const ownPrefix = names.subject(`dlq.${service}.`);

  const load = async (seq: number): Promise<StoredMsg> => {
    const manager = await deps.jsm();
    const stored = await manager.streams.getMessage(stream, { seq }).catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    });
    if (stored === null || !stored.subject.startsWith(ownPrefix)) throw new DeadLetterNotFoundError(seq);
    return stored;
  };

  return {
    async list({ after = 0, limit }) {
      const manager = await deps.jsm();
      const info = await manager.consumers
        .add(stream, {
          filter_subject: names.subject(`dlq.${service}.>`),
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: after + 1,
          ack_policy: AckPolicy.None,
          mem_storage: true,
          inactive_threshold: nanos(LISTING_INACTIVE_MS),
        })
        .catch((error: unknown) => {
          if (isMissing(error)) return undefined;
          throw error;
        });
      // No DLQ stream yet: nothing was ever dead-lettered.
      if (info === undefined) return { items: [], more: false };
      try {
        const wanted = Math.min(limit, info.num_pending);
        const items: DeadLetter[] = [];
        if (wanted > 0) {
          const consumer = await js.consumers.get(stream, info.name);
          const messages = await consumer.fetch({ max_messages: wanted, expires: LISTING_EXPIRES_MS });
          for await (const msg of messages) {
            items.push(describe(names, msg.seq, msg.time, msg.headers, msg.data));
            if (items.length === wanted) break;
          }
        }
        return { items, more: info.num_pending > items.length };
      } finally {
        await manager.consumers.delete(stream, info.name).catch(() => undefined);
      }
    },
    async get(seq) {
      const stored = await load(seq);
      const shown = stored.data.subarray(0, MAX_SHOWN_BYTES);
      const headers: Record<string, string[]> = {};
      for (const [key, values] of stored.header ?? []) {
        if (!DLQ_HEADERS.has(key.toLowerCase())) headers[key] = values;
      }
      return {
        ...describe(names, stored.seq, stored.time, stored.header, stored.data),
        headers,
        // Text the contracts can carry: bytes that are not UTF-8, and NUL, become U+FFFD.
        data: new TextDecoder().decode(shown).replaceAll("\u0000", "\uFFFD"),
        truncated: shown.length < stored.data.length,
      };
    },
    async replay(seq) {
      const stored = await load(seq);
      const subject = stored.header?.get(DLQ_HEADER.subject) ?? "";
      if (subject === "") throw new DeadLetterNotFoundError(seq);
      const hdrs = natsHeaders();
      for (const [key, values] of stored.header ?? []) {
        if (DLQ_HEADERS.has(key.toLowerCase())) continue;
        for (const value of values) hdrs.append(key, value);
      }
      let ack: { stream: string; seq: number };
      try {
        ack = await js.publish(subject, stored.data, { headers: hdrs, msgID: `dlq-replay:${seq}` });
      } catch (cause) {
        throw new PublishError(names.unprefix(subject), { cause });
      }
      const manager = await deps.jsm();
      await manager.streams.deleteMessage(stream, seq, false).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
      return { seq, subject: names.unprefix(subject), stream: ack.stream, streamSequence: ack.seq };
    },
  };
}

function describe(
  names: BusNames,
  seq: number,
  time: Date,
  headers: { get(key: string): string } | undefined,
  data: Uint8Array,
): DeadLetter {
  const header = (key: string) => headers?.get(key) ?? "";
  return {
    seq,
    deadLetteredAt: time.toISOString(),
    consumer: header(DLQ_HEADER.consumer),
    subject: names.unprefix(header(DLQ_HEADER.subject)),
    stream: header(DLQ_HEADER.stream),
    streamSequence: Math.max(1, Number(header(DLQ_HEADER.streamSequence)) || 1),
    deliveries: Number(header(DLQ_HEADER.deliveries)) || 0,
    error: header(DLQ_HEADER.error),
    size: data.length,
  };
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.NoMessageFound || error.code === JetStreamApiCodes.StreamNotFound)
  );
}
