import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { DLQ_HEADER } from "@tessera/bus";

/** Header values are one line; long errors are cut. Max length in characters. */
const MAX_ERROR_LENGTH = 1_000;

/**
 * Copies a job message to `dlq.<service>.<consumer>` with where it came from and why it died, in the
 * same shape as the bus's dead letters; deduplicated on `<stream>:<seq>`.
 */
export async function deadLetterJob(
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
  hdrs.set(DLQ_HEADER.error, oneLine(reason));
  await js.publish(subject, msg.data, {
    headers: hdrs,
    msgID: `${msg.info.stream}:${msg.info.streamSequence}`,
  });
}

export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").slice(0, MAX_ERROR_LENGTH);
}

export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
