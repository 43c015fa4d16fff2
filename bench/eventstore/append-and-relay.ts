/**
 * Event store baseline on this machine: append throughput (one writer, then eight at once, each a
 * new stream with an inline projection) and the relay's latency from commit to the event arriving
 * on JetStream, polling and woken by append notifications. Real Postgres and NATS, a fresh database and namespace; prints comparable figures.
 *   npm run bench:eventstore [-- --events 2000]
 */
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { busNames, createBus } from "@tessera/bus";
import {
  type AppendListener,
  createEventStore,
  listenForAppends,
  migrateEventStore,
  startOutboxRelay,
} from "@tessera/eventstore";
import { createTestDatabase, TEST_NATS_URL, testNamespace } from "@tessera/testing";

const { values } = parseArgs({ options: { events: { type: "string", default: "2000" } } });
const total = Number(values.events);
const schema = "bench";
const silent = { info() {}, warn() {}, error() {}, debug() {} };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const database = await createTestDatabase("bench");
const nc = await connect({ servers: TEST_NATS_URL });
const namespace = testNamespace("bench");
try {
  await migrateEventStore(database.db, { schema });
  const store = createEventStore(database.db, { schema });
  const append = (i: number) =>
    store.append(`bench-${i}`, [{ type: "auth.bench.appended", data: { i } }], { expectedVersion: 0 });

  let started = performance.now();
  for (let i = 0; i < total; i++) await append(i);
  const single = total / ((performance.now() - started) / 1000);

  started = performance.now();
  let next = total;
  const end = total * 2;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < end) await append(next++);
    }),
  );
  const concurrent = total / ((performance.now() - started) / 1000);

  // Relay latency: drain the backlog first, then time fresh appends one at a time; once with the
  // relay polling every 50 ms, once woken by append notifications as the services run it.
  const bus = createBus(nc, { service: "auth", namespace, logger: silent });
  await bus.provision();
  const samples = Math.min(200, total);
  let nextSample = end;
  const relayLatencies = async (appended?: AppendListener): Promise<number[]> => {
    const relay = startOutboxRelay({
      db: database.db,
      schema,
      publisher: bus.eventPublisher(),
      pollMs: 50,
      ...(appended ? { appended } : {}),
    });
    await relay.drain();
    const arrivals = new Map<number, (at: number) => void>();
    const subscription = nc.subscribe(busNames(namespace).subject("evt.auth.bench.appended"), {
      callback: (_error, message) =>
        arrivals.get((message.json() as { data: { i: number } }).data.i)?.(performance.now()),
    });
    const latencies: number[] = [];
    for (let s = 0; s < samples; s++) {
      const i = nextSample++;
      const arrived = new Promise<number>((resolve) => arrivals.set(i, resolve));
      const committed = performance.now();
      await append(i);
      latencies.push((await arrived) - committed);
    }
    subscription.unsubscribe();
    await relay.stop();
    return latencies.sort((a, b) => a - b);
  };
  const polled = await relayLatencies();
  const listener = listenForAppends({ connectionString: database.url, schema });
  const notified = await relayLatencies(listener);
  await listener.close();
  const latencyLine = (label: string, latencies: number[]) =>
    `commit → JetStream (${label}, ${samples} samples): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`;

  console.log(`eventstore bench: ${total} events per phase, node ${process.versions.node}`);
  console.log(`append, 1 writer:  ${single.toFixed(0)} events/s`);
  console.log(`append, 8 writers: ${concurrent.toFixed(0)} events/s (${(concurrent / single).toFixed(2)}x)`);
  console.log(latencyLine("relay polling every 50 ms", polled));
  console.log(latencyLine("relay woken by NOTIFY", notified));
} finally {
  const jsm = await jetstreamManager(nc);
  for (const stream of ["EVT_AUTH", "JOBS", "DLQ"])
    await jsm.streams.delete(busNames(namespace).stream(stream)).catch(() => false);
  await nc.close();
  await database.drop();
}
