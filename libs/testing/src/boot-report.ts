import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { busNames, createBus } from "@tessera/bus";
import { pingOperation, type ServiceName } from "@tessera/contracts";
import { sql } from "kysely";
import { TEST_NATS_URL } from "./database.ts";
import type { InProcessService } from "./in-process.ts";

export interface BootReport {
  /** Tables in the service's schema. */
  tables: string[];
  /** Streams of the namespace that exist (`EVT_<SERVICE>`, `JOBS`, `DLQ`), without the prefix. */
  streams: string[];
  /** The service's answer to `svc.<service>.ping`. */
  ping: { service: string; ready: boolean };
}

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** What a started service has set up, seen from outside: its tables, its streams, its ping. */
export async function bootReport(
  instance: InProcessService<unknown>,
  service: ServiceName,
  schema: string,
): Promise<BootReport> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = ${schema} order by table_name
  `.execute(instance.database.db);
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    const names = busNames(instance.namespace);
    const jsm = await jetstreamManager(nc);
    const streams: string[] = [];
    for (const stream of [names.eventStream(service), names.stream("JOBS"), names.stream("DLQ")]) {
      const exists = await jsm.streams.info(stream).then(
        () => true,
        () => false,
      );
      if (exists) streams.push(stream.slice(instance.namespace.length + 1));
    }
    const bus = createBus(nc, { service: "api-gateway", namespace: instance.namespace, logger: silent });
    const ping = await bus.request(pingOperation(service), {}, { requestId: "boot-report" });
    return { tables: rows.map((row) => row.table_name), streams, ping };
  } finally {
    await nc.close();
  }
}
