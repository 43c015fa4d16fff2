import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection, nanos } from "@nats-io/transport-node";
import type { EventEnvelope } from "@tessera/contracts";
import type { EventPublisher } from "@tessera/eventstore";
import { TEST_NATS_URL, testNamespace } from "@tessera/testing";

/** A JetStream stream of its own for one test file, and the few lines a publisher needs. */
export interface TestEventStream {
  readonly name: string;
  readonly publisher: EventPublisher;
  /** Every message in the stream, in stream order. */
  messages(): Promise<EventEnvelope[]>;
  close(): Promise<void>;
}

export async function createTestEventStream(
  label: string,
  duplicateWindowMs = 120_000,
): Promise<TestEventStream> {
  const namespace = testNamespace(label);
  const name = `${namespace.toUpperCase()}_EVT`;
  const nc: NatsConnection = await connect({ servers: TEST_NATS_URL });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name,
    subjects: [`${namespace}.evt.>`],
    storage: StorageType.File,
    duplicate_window: nanos(duplicateWindowMs),
  });
  const js = jetstream(nc);
  return {
    name,
    publisher: {
      async publish(envelope) {
        await js.publish(`${namespace}.evt.${envelope.type}`, JSON.stringify(envelope), {
          msgID: envelope.eventId,
        });
      },
    },
    async messages() {
      const info = await jsm.streams.info(name);
      const envelopes: EventEnvelope[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage(name, { seq });
        if (message) envelopes.push(message.json<EventEnvelope>());
      }
      return envelopes;
    },
    async close() {
      await jsm.streams.delete(name);
      await nc.drain();
    },
  };
}
