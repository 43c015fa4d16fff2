import {
  eventually,
  TEST_PASSWORD as password,
  type ReceivedSpan,
  stackClient,
  startOtlpReceiver,
  uniqueEmail,
} from "@tessera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { useStack } from "../support/stack.ts";

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

const receiver = await startOtlpReceiver();
afterAll(() => receiver.close());
const stack = useStack({
  // Spans leave each service within a fifth of a second instead of five.
  // Debug lines include each served request's, written inside its span.
  env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "200", LOG_LEVEL: "debug" },
});
const { call, post } = stackClient(() => stack.gatewayUrl);

function summary(spans: ReceivedSpan[]): string {
  return spans
    .map((s) => `${s.traceId.slice(0, 8)} ${s.spanId} <- ${s.parentSpanId || "root"} ${s.service}: ${s.name}`)
    .join("\n");
}

/** The one span of the trace that `matches`, failing with the trace's spans when there is none. */
function only(trace: ReceivedSpan[], what: string, matches: (span: ReceivedSpan) => boolean): ReceivedSpan {
  const found = trace.filter(matches);
  const names = trace.map((span) => `${span.service}: ${span.name}`).join("\n");
  expect(found, `${what} in the trace:\n${names}`).toHaveLength(1);
  return found[0] as ReceivedSpan;
}

/** Whether `ancestor` is `span`'s parent, or its parent's, and so on within the trace. */
function descendsFrom(trace: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  for (let at = byId.get(span.parentSpanId); at !== undefined; at = byId.get(at.parentSpanId)) {
    if (at.spanId === ancestor.spanId) return true;
  }
  return false;
}

describe("traces", () => {
  it("follows POST /v1/auth/register in one trace from the gateway to the user service's new profile", async () => {
    const response = await post("/v1/auth/register", { email: uniqueEmail("traced"), password });
    expect(response.status).toBe(201);
    const requestId = response.headers.get("x-request-id");

    const trace = await eventually(
      () => {
        const spans = receiver.spans();
        const http = spans.find(
          (span) => span.service === "api-gateway" && span.kind === SERVER && span.name.startsWith("POST"),
        );
        if (http === undefined) return undefined;
        const inTrace = spans.filter((span) => span.traceId === http.traceId);
        // Complete once the user service's relay sent the profile it created.
        const profile = inTrace.find(
          (span) => span.service === "user" && span.name === "relay user.profile.created",
        );
        return profile === undefined ? undefined : inTrace;
      },
      {
        timeoutMs: 45_000,
        what: `the trace of request ${requestId} as far as the user service's profile relay`,
      },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; received:\n${summary(receiver.spans())}`);
    });

    const http = only(
      trace,
      "the gateway's HTTP span",
      (s) => s.service === "api-gateway" && s.kind === SERVER,
    );
    expect(http.parentSpanId).toBe("");
    const request = only(
      trace,
      "the gateway's request to auth",
      (s) => s.service === "api-gateway" && s.kind === CLIENT && s.name.endsWith("accounts.register"),
    );
    expect(descendsFrom(trace, request, http)).toBe(true);
    expect(request.attributes["messaging.system"]).toBe("nats");

    const served = only(trace, "auth serving the request", (s) => s.service === "auth" && s.kind === SERVER);
    expect(served.parentSpanId).toBe(request.spanId);

    const relay = only(
      trace,
      "the relay sending auth.account.registered",
      (s) => s.service === "auth" && s.name === "relay auth.account.registered",
    );
    const append = only(trace, "the append the relay continues", (s) => s.spanId === relay.parentSpanId);
    expect(append.name).toBe("append auth");
    expect(descendsFrom(trace, append, served)).toBe(true);
    const publish = only(
      trace,
      "the JetStream publish",
      (s) => s.service === "auth" && s.kind === PRODUCER && s.name.endsWith("auth.account.registered"),
    );
    expect(publish.parentSpanId).toBe(relay.spanId);

    const profileRelay = only(
      trace,
      "the user service's relay sending user.profile.created",
      (s) => s.service === "user" && s.name === "relay user.profile.created",
    );
    const profileAppend = only(trace, "the profile's append", (s) => s.spanId === profileRelay.parentSpanId);
    expect(profileAppend.name).toBe("append users");
    const consumer = trace.find(
      (s) =>
        s.service === "user" &&
        s.kind === CONSUMER &&
        s.name.endsWith("auth.account.registered") &&
        descendsFrom(trace, profileAppend, s),
    );
    expect(consumer, `a user consumer of auth.account.registered above the profile's append`).toBeDefined();
    expect(consumer?.parentSpanId).toBe(publish.spanId);

    // Log lines written inside a span carry its trace id.
    const servedLines = stack
      .logs()
      .split("\n")
      .filter((line) => line.startsWith("[auth]") && line.includes(`"requestId":"${requestId}"`));
    expect(servedLines.length).toBeGreaterThan(0);
    expect(servedLines.every((line) => line.includes(`"trace_id":"${http.traceId}"`))).toBe(true);

    // Postgres calls inside those spans are traced too, as children.
    const queries = trace.filter(
      (s) => s.service === "auth" && s.attributes["db.system.name"] === "postgresql",
    );
    expect(queries.some((query) => descendsFrom(trace, query, served))).toBe(true);
  });

  it("keeps the credentials in a URL (OAuth code and state, an unsubscribe token) out of the spans", async () => {
    const secrets = ["oauth-code-e2e-secret", "oauth-state-e2e-secret", "unsubscribe-token-e2e-secret"];
    await call("GET", `/v1/auth/oauth/github/callback?code=${secrets[0]}&state=${secrets[1]}`);
    await call("GET", `/v1/unsubscribe/${secrets[2]}`);
    const paths = (spans: ReceivedSpan[]) =>
      spans
        .filter((s) => s.service === "api-gateway" && s.kind === SERVER)
        .map((s) => s.attributes["url.path"]);
    await eventually(
      () => {
        const seen = paths(receiver.spans());
        const both =
          seen.includes("/v1/auth/oauth/github/callback") && seen.includes("/v1/unsubscribe/[redacted]");
        return both ? true : undefined;
      },
      { what: `the two requests' spans (paths seen: ${paths(receiver.spans()).join(", ")})` },
    );
    const exported = JSON.stringify(receiver.spans());
    for (const secret of secrets) expect(exported).not.toContain(secret);
  });
});
