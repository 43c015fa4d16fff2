import type { JetStreamManager, SeqMsgRequest } from "@nats-io/jetstream";
import type { BusLogger } from "./logger.ts";

/** How far one durable consumer is behind its stream. */
export interface ConsumerLag {
  /** The consumer's purpose (`ConsumeOptions.name`), not the namespaced durable. */
  readonly consumer: string;
  /** Messages of its filter not delivered yet. */
  readonly pending: number;
  /** Messages delivered and not acknowledged yet. */
  readonly ackPending: number;
  /** Age of the oldest message it has not acknowledged, in seconds; 0 when caught up. */
  readonly lagSeconds: number;
}

/** A consumer this bus started, as JetStream names it. */
export interface WatchedConsumer {
  readonly consumer: string;
  readonly stream: string;
  readonly durable: string;
  readonly filterSubjects: readonly string[];
}

/**
 * Reads each consumer's info, and when it is behind, the stored time of the first message of its
 * filter after its ack floor. A consumer JetStream cannot describe right now is logged and left out.
 */
export async function readConsumerLag(
  jsm: JetStreamManager,
  consumers: readonly WatchedConsumer[],
  logger: BusLogger,
  now = new Date(),
): Promise<ConsumerLag[]> {
  const lags = await Promise.all(
    consumers.map(async (watched) => {
      try {
        return await lagOf(jsm, watched, now);
      } catch (error) {
        logger.warn({ err: error, consumer: watched.durable }, "could not read the consumer's lag");
        return undefined;
      }
    }),
  );
  return lags.filter((lag) => lag !== undefined);
}

async function lagOf(jsm: JetStreamManager, watched: WatchedConsumer, now: Date): Promise<ConsumerLag> {
  const info = await jsm.consumers.info(watched.stream, watched.durable);
  const pending = info.num_pending;
  const ackPending = info.num_ack_pending;
  if (pending + ackPending === 0) return { consumer: watched.consumer, pending, ackPending, lagSeconds: 0 };
  const after = info.ack_floor.stream_seq + 1;
  const times = await Promise.all(
    watched.filterSubjects.map(async (subject) => {
      // `next_by_subj` with `seq`: the first message of that subject at or after the sequence.
      const query: SeqMsgRequest & { next_by_subj: string } = { seq: after, next_by_subj: subject };
      const message = await jsm.streams.getMessage(watched.stream, query);
      return message?.time.getTime();
    }),
  );
  const oldest = Math.min(...times.filter((time) => time !== undefined));
  const lagSeconds = Number.isFinite(oldest) ? Math.max(0, (now.getTime() - oldest) / 1_000) : 0;
  return { consumer: watched.consumer, pending, ackPending, lagSeconds };
}
