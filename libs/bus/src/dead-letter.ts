import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { PublishError } from "./errors.ts";

/** Headers a dead letter carries next to the original message's own headers. */
export const DLQ_HEADER = {
  subject: "x-dlq-subject",
  stream: "x-dlq-stream",
  streamSequence: "x-dlq-stream-seq",
  consumer: "x-dlq-consumer",
  deliveries: "x-dlq-deliveries",
  error: "x-dlq-error",
} as const;

/** Header values are one line; long errors are cut. Max length in characters. */
const MAX_ERROR_LENGTH = 1_000;

export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Copies a message under the dead-letter subject (at `<subject>.<stream>.<seq>` of its source) with
 * where it came from and why it failed. The copy is deduplicated on `<stream>:<seq>`, so a retry
 * after a lost ack does not store it twice.
 */
export async function deadLetter(
  js: JetStreamClient,
  subject: string,
  msg: JsMsg,
  reason: string,
): Promise<void> {
  const hdrs = natsHeaders();
  for (const [key, values] of msg.headers ?? []) {
    if (key.toLowerCase() === "nats-msg-id") continue;
    for (const value of values) hdrs.append(key, value);
  }
  hdrs.set(DLQ_HEADER.subject, msg.subject);
  hdrs.set(DLQ_HEADER.stream, msg.info.stream);
  hdrs.set(DLQ_HEADER.streamSequence, String(msg.info.streamSequence));
  hdrs.set(DLQ_HEADER.consumer, msg.info.consumer);
  hdrs.set(DLQ_HEADER.deliveries, String(msg.info.deliveryCount));
  hdrs.set(DLQ_HEADER.error, reason.replace(/[\r\n]+/g, " ").slice(0, MAX_ERROR_LENGTH));
  try {
    await js.publish(`${subject}.${msg.info.stream}.${msg.info.streamSequence}`, msg.data, {
      headers: hdrs,
      msgID: `${msg.info.stream}:${msg.info.streamSequence}`,
    });
  } catch (cause) {
    throw new PublishError(subject, { cause });
  }
}
