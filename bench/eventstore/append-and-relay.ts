/**
 * Event store baseline on this machine: append throughput (one writer, then eight at once, each a
 * new stream with an inline projection) and the relay's latency from commit to the event arriving
 * on JetStream. Real Postgres and NATS, a fresh database and namespace; prints comparable figures.
 *   npm run bench:eventstore [-- --events 2000]
 */
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { busNames, createBus } from "@tessera/bus";
import { createEventStore, migrateEventStore, startOutboxRelay } from "@tessera/eventstore";
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

  // Relay latency: drain the backlog first, then time fresh appends one at a time.
  const bus = createBus(nc, { service: "auth", namespace, logger: silent });
  await bus.provision();
  const relay = startOutboxRelay({ db: database.db, schema, publisher: bus.eventPublisher(), pollMs: 50 });
  await relay.drain();
  const arrivals = new Map<number, (at: number) => void>();
  const subscription = nc.subscribe(busNames(namespace).subject("evt.auth.bench.appended"), {
    callback: (_error, message) =>
      arrivals.get((message.json() as { data: { i: number } }).data.i)?.(performance.now()),
  });
  const latencies: number[] = [];
  const samples = Math.min(200, total);
  for (let s = 0; s < samples; s++) {
    const i = end + s;
    const arrived = new Promise<number>((resolve) => arrivals.set(i, resolve));
    const committed = performance.now();
    await append(i);
    latencies.push((await arrived) - committed);
  }
  subscription.unsubscribe();
  await relay.stop();
  latencies.sort((a, b) => a - b);

  console.log(`eventstore bench: ${total} events per phase, node ${process.versions.node}`);
  console.log(`append, 1 writer:  ${single.toFixed(0)} events/s`);
  console.log(`append, 8 writers: ${concurrent.toFixed(0)} events/s (${(concurrent / single).toFixed(2)}x)`);
  console.log(
    `commit → JetStream (relay, poll 50 ms, ${samples} samples): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  );
} finally {
  const jsm = await jetstreamManager(nc);
  for (const stream of ["EVT_AUTH", "JOBS", "DLQ"])
    await jsm.streams.delete(busNames(namespace).stream(stream)).catch(() => false);
  await nc.close();
  await database.drop();
}
