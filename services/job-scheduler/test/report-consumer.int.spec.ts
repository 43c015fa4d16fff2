import { randomUUID } from "node:crypto";
import { type JetStreamManager, jetstream, jetstreamManager, type StoredMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type Bus, type BusNames, busNames, createBus, DLQ_HEADER } from "@tessera/bus";
import { JOB_RUN_REPORTS_SUBJECT, type JobRunReport } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumeRunReports, RUN_REPORTS_CONSUMER } from "../src/infra/report-consumer.ts";
import { connectCaller, type Scheduler, silent, startScheduler, waitFor } from "./support.ts";

let scheduler: Scheduler;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  scheduler = await startScheduler();
  ({ nc } = await connectCaller(scheduler.namespace));
  jsm = await jetstreamManager(nc);
});

afterAll(async () => {
  await nc?.close();
  await scheduler?.stop();
});

/** The letters under `dlq.job-scheduler.run-reports.<source stream>.<source seq>`, keyed by that subject. */
async function deadLetters(names: BusNames): Promise<Map<string, StoredMsg>> {
  const prefix = names.subject(`dlq.job-scheduler.${RUN_REPORTS_CONSUMER}`);
  const info = await jsm.streams.info(names.stream("DLQ"), { subjects_filter: `${prefix}.>` });
  const letters = new Map<string, StoredMsg>();
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const letter = await jsm.streams.getMessage(names.stream("DLQ"), { last_by_subj: subject });
    if (letter) letters.set(subject, letter);
  }
  return letters;
}

async function publishReport(names: BusNames, data: string): Promise<string> {
  const ack = await jetstream(nc).publish(names.subject(JOB_RUN_REPORTS_SUBJECT), data);
  return names.subject(`dlq.job-scheduler.${RUN_REPORTS_CONSUMER}.${ack.stream}.${ack.seq}`);
}

describe("the scheduler's run report consumer", () => {
  it("dead-letters a report that does not parse, with the reason, instead of dropping it", async () => {
    const names = busNames(scheduler.namespace);
    const notJson = await publishReport(names, "{ not json");
    const wrongShape = await publishReport(names, JSON.stringify({ runId: "not-a-uuid", outcome: "won" }));

    const letters = await waitFor(async () => {
      const found = await deadLetters(names);
      return found.has(notJson) && found.has(wrongShape) ? found : undefined;
    }, "both reports in the DLQ");
    expect(letters.get(notJson)?.string()).toBe("{ not json");
    expect(letters.get(notJson)?.header.get(DLQ_HEADER.error)).toContain("not JSON");
    expect(letters.get(wrongShape)?.header.get(DLQ_HEADER.error)).toMatch(/runId.*outcome/);

    const durable = names.durable("job-scheduler", RUN_REPORTS_CONSUMER);
    const info = await jsm.consumers.info(names.stream("JOBS"), durable);
    expect(info.num_ack_pending).toBe(0);
    expect(info.config.max_deliver).toBeGreaterThan(0);
  });

  describe("with a handler that keeps failing", () => {
    let bus: Bus;
    const attempts: number[] = [];
    let stop = async () => {};

    beforeAll(async () => {
      bus = createBus(nc, { service: "job-scheduler", namespace: testNamespace("jsrep"), logger: silent });
      await bus.provision();
      const reports = await consumeRunReports(
        bus,
        async (_report, _ctx, msg) => {
          attempts.push(msg.info.deliveryCount);
          throw new Error("the run store is down");
        },
        { concurrency: 1, maxDeliver: 3, backoffMs: [50, 100] },
      );
      stop = () => reports.stop();
    });

    afterAll(async () => {
      await stop();
      for await (const name of jsm.streams.names()) {
        if (name.startsWith(`${bus.names.namespace.toUpperCase()}_`)) await jsm.streams.delete(name);
      }
    });

    it("dead-letters the report after maxDeliver attempts, with the handler's error, and stops retrying", async () => {
      const report: JobRunReport = {
        runId: randomUUID(),
        jobType: "hello_world",
        generation: 1,
        attempt: 1,
        outcome: "started",
        at: new Date().toISOString(),
      };
      const subject = await publishReport(bus.names, JSON.stringify(report));

      const letter = await waitFor(
        async () => (await deadLetters(bus.names)).get(subject),
        "the dead letter",
      );
      expect(letter.json<JobRunReport>()).toEqual(report);
      expect(letter.header.get(DLQ_HEADER.error)).toBe("Error: the run store is down");
      expect(letter.header.get(DLQ_HEADER.deliveries)).toBe("3");
      await waitFor(async () => {
        const info = await jsm.consumers.info(
          bus.names.stream("JOBS"),
          bus.names.durable("job-scheduler", RUN_REPORTS_CONSUMER),
        );
        return info.num_ack_pending === 0 && info.num_pending === 0 ? true : undefined;
      }, "the report to be acked");
      // Long enough for a fourth delivery, had the report not been acked.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(attempts).toEqual([1, 2, 3]);
    });
  });
});
