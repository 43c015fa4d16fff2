import { describe, expect, it } from "vitest";
import { BusUsageError, busNames, deadLetterSubject, durableName, eventStreamName } from "../src/index.ts";

describe("naming", () => {
  it("names a service's event stream EVT_<SERVICE> with dashes as underscores", () => {
    expect(eventStreamName("auth")).toBe("EVT_AUTH");
    expect(eventStreamName("job-scheduler")).toBe("EVT_JOB_SCHEDULER");
  });

  it("names durables <consuming-service>--<purpose> and dead letters dlq.<service>.<purpose>", () => {
    expect(durableName("user", "on-account-registered")).toBe("user--on-account-registered");
    expect(deadLetterSubject("user", "on-account-registered")).toBe("dlq.user.on-account-registered");
  });

  it("leaves every name untouched without a namespace", () => {
    const names = busNames();
    expect(names.subject("svc.auth.login")).toBe("svc.auth.login");
    expect(names.eventStream("auth")).toBe("EVT_AUTH");
    expect(names.stream("JOBS")).toBe("JOBS");
    expect(names.durable("user", "profiles")).toBe("user--profiles");
    expect(names.kvBucket("jwks")).toBe("jwks");
  });

  it("prefixes subjects, streams, durables and buckets with the namespace", () => {
    const names = busNames("t1a2");
    expect(names.subject("svc.auth.login")).toBe("t1a2.svc.auth.login");
    expect(names.subject("evt.auth.account.registered")).toBe("t1a2.evt.auth.account.registered");
    expect(names.eventStream("auth")).toBe("T1A2_EVT_AUTH");
    expect(names.stream("DLQ")).toBe("T1A2_DLQ");
    expect(names.durable("user", "profiles")).toBe("t1a2_user--profiles");
    expect(names.kvBucket("jwks")).toBe("t1a2_jwks");
    expect(names.unprefix("t1a2.evt.auth.x")).toBe("evt.auth.x");
  });

  it("refuses a namespace that would break subjects or stream names", () => {
    expect(() => busNames("Bad.NS")).toThrow(BusUsageError);
    expect(() => busNames("a b")).toThrow(BusUsageError);
  });
});
