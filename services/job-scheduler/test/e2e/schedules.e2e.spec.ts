import { ProblemSchema, schedulesList } from "@tessera/contracts";
import { stackClient, uniqueEmail } from "@tessera/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { useStack } from "../../../api-gateway/test/support/stack.ts";

const ADMIN_EMAIL = uniqueEmail("schedules.admin");
const stack = useStack({ env: { BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL } });
const { call, register, eventually } = stackClient(() => stack.gatewayUrl);
let adminToken: string;

beforeAll(async () => {
  adminToken = (await register({ email: ADMIN_EMAIL })).accessToken;
  // The admin role reaches the user service's projection asynchronously.
  const schedules = await eventually(
    () => call("GET", "/v1/admin/schedules", adminToken),
    (status) => status === 403 || status === 404,
    { timeoutMs: 15_000, intervalMs: 150 },
  );
  expect(schedules.status).toBe(200);
});

describe("POST /v1/admin/schedules", () => {
  it("refuses a cron expression that can never fire (30 February) with a 400 naming the cron field, and creates nothing", async () => {
    const response = await call("POST", "/v1/admin/schedules", adminToken, {
      name: "every 30 February",
      cron: "0 0 30 2 *",
      jobType: "hello_world",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = ProblemSchema.parse(await response.json());
    expect(problem.code).toBe("validation.failed");
    expect(problem.errors?.map((error) => error.field)).toEqual(["cron"]);

    const listed = schedulesList.response.parse(
      await (await call("GET", "/v1/admin/schedules?limit=200", adminToken)).json(),
    );
    expect(listed.items.map((schedule) => schedule.name)).not.toContain("every 30 February");
  });
});
