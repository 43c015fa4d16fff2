import { bootReport, type InProcessService, startInProcess } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobSchedulerConfigSchema } from "../src/config.ts";
import { startJobSchedulerService } from "../src/service.ts";

let instance: InProcessService<Awaited<ReturnType<typeof startJobSchedulerService>>>;

beforeAll(async () => {
  instance = await startInProcess({
    configSchema: jobSchedulerConfigSchema,
    start: startJobSchedulerService,
  });
});

afterAll(async () => {
  await instance?.stop();
});

describe("job-scheduler at start-up", () => {
  it("migrates its own schema, provisions its streams and answers a ping", async () => {
    const report = await bootReport(instance, "job-scheduler", "jobs");
    expect(report.tables).toEqual(expect.arrayContaining(["events", "checkpoints", "processed_events"]));
    expect(report.streams).toEqual(["EVT_JOB_SCHEDULER", "JOBS", "DLQ"]);
    expect(report.ping).toEqual({ service: "job-scheduler", ready: true });
  });
});
