import { randomUUID } from "node:crypto";
import { ProblemSchema, RunSchema } from "@tessera/contracts";
import { stackClient, uniqueEmail } from "@tessera/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "../support/stack.ts";

const ADMIN_EMAIL = uniqueEmail("jobs.admin");

const stack = useStack({ env: { BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL } });
let adminToken: string;
let userToken: string;

const { call, register, eventually } = stackClient(() => stack.gatewayUrl);
/** Roles and profiles reach the user service's projection asynchronously; this is how long to wait. */
const projectionWait = { timeoutMs: 15_000, intervalMs: 150 };

beforeAll(async () => {
  adminToken = (await register({ email: ADMIN_EMAIL })).accessToken;
  userToken = (await register({ email: uniqueEmail("jobs.user") })).accessToken;
  // The admin role reaches the user service's projection asynchronously.
  const types = await eventually(
    () => call("GET", "/v1/admin/jobs/types", adminToken),
    (status) => status === 403 || status === 404,
    projectionWait,
  );
  expect(types.status).toBe(200);
});

const RunIdSchema = z.object({ runId: z.uuid() });

describe("the job admin API through the gateway", () => {
  it("queues hello_world once per idempotency key and shows the run succeed", async () => {
    const key = randomUUID();
    const enqueue = () =>
      call(
        "POST",
        "/v1/admin/jobs/hello_world",
        adminToken,
        { payload: { name: "e2e" } },
        { "idempotency-key": key },
      );
    const accepted = await enqueue();
    expect(accepted.status).toBe(202);
    const { runId } = RunIdSchema.parse(await accepted.json());

    const repeated = await enqueue();
    expect(repeated.status).toBe(202);
    expect(RunIdSchema.parse(await repeated.json()).runId).toBe(runId);

    const deadline = Date.now() + 30_000;
    let run = RunSchema.parse(await (await call("GET", `/v1/admin/jobs/runs/${runId}`, adminToken)).json());
    while (run.status !== "succeeded" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const response = await call("GET", `/v1/admin/jobs/runs/${runId}`, adminToken);
      expect(response.status).toBe(200);
      run = RunSchema.parse(await response.json());
    }
    expect(run).toMatchObject({ id: runId, jobType: "hello_world", status: "succeeded", attempts: 1 });
    expect(run.payload).toEqual({ name: "e2e" });
  });

  it("refuses a schedule with an invalid cron with a 400 naming the cron field", async () => {
    const response = await call("POST", "/v1/admin/schedules", adminToken, {
      name: "broken",
      cron: "61 * * * *",
      jobType: "hello_world",
    });
    expect(response.status).toBe(400);
    const problem = ProblemSchema.parse(await response.json());
    expect(problem.errors?.map((error) => error.field)).toEqual(["cron"]);
  });

  it("answers 404 job.unknown_type for a job type nobody runs", async () => {
    const response = await call(
      "POST",
      "/v1/admin/jobs/no_such_job",
      adminToken,
      {},
      { "idempotency-key": randomUUID() },
    );
    expect(response.status).toBe(404);
    expect(ProblemSchema.parse(await response.json()).code).toBe("job.unknown_type");
  });

  it("keeps ordinary users out of every job admin route with 403", async () => {
    // The user's profile reaches the user service asynchronously; until then the answer may be 404.
    await eventually(
      () => call("GET", "/v1/admin/jobs/types", userToken),
      (status) => status === 404,
      projectionWait,
    );
    const attempts = [
      call("POST", "/v1/admin/jobs/hello_world", userToken, {}, { "idempotency-key": randomUUID() }),
      call("GET", "/v1/admin/jobs/runs", userToken),
      call("GET", `/v1/admin/jobs/runs/${randomUUID()}`, userToken),
      call("GET", "/v1/admin/schedules", userToken),
      call("POST", "/v1/admin/schedules", userToken, {
        name: "nope",
        cron: "* * * * *",
        jobType: "hello_world",
      }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect(ProblemSchema.parse(await response.json()).code).toBe("auth.forbidden");
    }
  });
});
