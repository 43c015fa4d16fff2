import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { TEST_NATS_URL } from "./database.ts";

/**
 * Every message stored in the streams of a bus namespace that holds `needle` (case ignored), as
 * `STREAM#seq`: for tests that prove something is, or is no longer, on the bus.
 */
export async function busMessagesMentioning(namespace: string, needle: string): Promise<string[]> {
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const wanted = needle.toLowerCase();
    const found: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (!name.startsWith(`${namespace.toUpperCase()}_`)) continue;
      const { state } = await jsm.streams.info(name);
      for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
        // A deleted message leaves a gap in the sequence.
        const message = await jsm.streams.getMessage(name, { seq }).catch(() => null);
        if (message?.string().toLowerCase().includes(wanted)) found.push(`${name}#${seq}`);
      }
    }
    return found;
  } finally {
    await nc.close();
  }
}
