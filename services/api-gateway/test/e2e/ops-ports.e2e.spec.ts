import { PlatformStatusSchema, SERVICES, type ServiceName } from "@tessera/contracts";
import {
  lintExposition,
  type MetricFamily,
  metricValue,
  scrapeMetrics,
  stackClient,
  uniqueEmail,
  eventually as waitFor,
} from "@tessera/testing";
import { describe, expect, it } from "vitest";
import { useStack } from "../support/stack.ts";

const adminEmail = uniqueEmail("ops-admin");
const stack = useStack({ env: { BOOTSTRAP_ADMIN_EMAIL: adminEmail } });
const { call, register, eventually } = stackClient(() => stack.gatewayUrl);

/** Families every event-sourced service registers (the gateway has no store and no consumers). */
const EVERY_SERVICE = [
  "bus_operation_duration_seconds",
  "bus_consumer_delivery_duration_seconds",
  "bus_dead_letters_total",
  "bus_consumer_pending_messages",
  "bus_consumer_ack_pending_messages",
  "bus_consumer_lag_seconds",
  "eventstore_head_position",
  "eventstore_checkpoint_position",
  "eventstore_outbox_backlog_events",
  "eventstore_outbox_lag_seconds",
  "eventstore_projection_lag_events",
  "eventstore_projection_lag_seconds",
  "process_cpu_seconds_total",
];
const OWN: Partial<Record<ServiceName, string[]>> = {
  "api-gateway": [
    "http_request_duration_seconds",
    "gateway_upstream_request_duration_seconds",
    "gateway_rate_limit_decisions_total",
    "bus_operation_duration_seconds",
    "process_cpu_seconds_total",
  ],
  memory: ["memory_embedding_queue_memories", "memory_embedding_queue_oldest_seconds"],
  "job-scheduler": ["job_scheduler_runs"],
};

const scrape = (service: ServiceName): Promise<MetricFamily[]> =>
  scrapeMetrics(`${stack.opsUrl(service)}/metrics`);

describe("every service's ops port in the running platform", () => {
  it("answers /livez and /readyz for each replica", async () => {
    for (const service of SERVICES) {
      expect((await fetch(`${stack.opsUrl(service)}/livez`)).status, service).toBe(200);
      expect((await fetch(`${stack.opsUrl(service)}/readyz`)).status, service).toBe(200);
    }
  });

  it("exposes metrics promtool would pass, with the families each service owns", async () => {
    // Some traffic first: a registration goes through auth, its events to user's consumers.
    await register();
    for (const service of SERVICES) {
      const families = await scrape(service);
      expect(lintExposition(families), service).toEqual([]);
      const names = families.map((family) => family.name);
      const expected = [...(service === "api-gateway" ? [] : EVERY_SERVICE), ...(OWN[service] ?? [])];
      expect(
        expected.filter((name) => !names.includes(name)),
        service,
      ).toEqual([]);
    }
  });

  it("shows platform admins every service's status, while /ready is the gateway's own", async () => {
    const ready = await fetch(`${stack.gatewayUrl}/ready`);
    expect(await ready.json()).toEqual({ status: "ok", checks: { nats: { ok: true }, redis: { ok: true } } });
    const { accessToken } = await register({ email: adminEmail });
    // The admin role arrives with the user service's answer to the registration event.
    const status = await eventually(
      () => call("GET", "/v1/admin/status", accessToken),
      (code) => code === 403,
      { timeoutMs: 30_000 },
    );
    expect(status.status).toBe(200);
    const body = PlatformStatusSchema.parse(await status.json());
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks).sort()).toEqual(
      ["nats", "redis", ...SERVICES.filter((service) => service !== "api-gateway")].sort(),
    );

    // A run of a built-in job shows in the scheduler's gauge, with every status of its type.
    expect((await call("POST", "/v1/admin/jobs/cleanup_old_runs", accessToken, {})).status).toBe(202);
    const families = await waitFor(
      async () => {
        const current = await scrape("job-scheduler");
        const total = metricValue(current, "job_scheduler_runs", { job_type: "cleanup_old_runs" }) ?? 0;
        return total >= 1 ? current : undefined;
      },
      { timeoutMs: 30_000, what: "a cleanup_old_runs run in job_scheduler_runs" },
    );
    expect(
      metricValue(families, "job_scheduler_runs", { job_type: "cleanup_old_runs", status: "dead" }),
    ).toBe(0);
  });
});
