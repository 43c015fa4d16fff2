import type { JetStreamClient } from "@nats-io/jetstream";
import { activeTraceparent, type EventEnvelope, eventSubject } from "@tessera/contracts";
import { headersFromContext } from "./context.ts";
import { PublishError } from "./errors.ts";
import type { BusNames } from "./names.ts";

/** Where JetStream stored a published event: enough to delete that copy later (erasure). */
export interface PublishedCopy {
  readonly stream: string;
  readonly seq: number;
}

/** What the outbox relay publishes through. */
export interface EventPublisher {
  /**
   * Publishes to `evt.<type>` with `Nats-Msg-Id` = `eventId` and resolves once JetStream has stored
   * it (or recognised it as a duplicate within the window: then where the first copy is). Throws
   * `PublishError` otherwise.
   */
  publish(envelope: EventEnvelope): Promise<PublishedCopy>;
}

export interface EventPublisherOptions {
  /** How long to wait for the PubAck, in ms. @default 5_000 */
  timeoutMs?: number;
  /**
   * For a republish: `Nats-Msg-Id` becomes `<eventId>:<msgIdSuffix>`, so JetStream stores the copy
   * even within the duplicate window of the first one, while a repeat of the same republish (same
   * suffix) is still dropped. The envelope keeps its `eventId`, which idempotent consumers key on.
   */
  msgIdSuffix?: string;
}

export function createEventPublisher(
  js: JetStreamClient,
  names: BusNames,
  opts: EventPublisherOptions = {},
): EventPublisher {
  const timeout = opts.timeoutMs ?? 5_000;
  return {
    async publish(envelope) {
      const subject = names.subject(eventSubject(envelope.type));
      const meta = envelope.metadata;
      const hdrs = headersFromContext({
        requestId: meta.requestId,
        traceparent: activeTraceparent() ?? meta.traceparent,
        actor: meta.actor,
        projectId: meta.projectId,
      });
      try {
        const ack = await js.publish(subject, JSON.stringify(envelope), {
          msgID:
            opts.msgIdSuffix === undefined ? envelope.eventId : `${envelope.eventId}:${opts.msgIdSuffix}`,
          headers: hdrs,
          timeout,
        });
        return { stream: ack.stream, seq: ack.seq };
      } catch (err) {
        throw new PublishError(eventSubject(envelope.type), { cause: err });
      }
    },
  };
}
