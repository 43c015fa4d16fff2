import { describe, expect, it } from "vitest";
import { planTestServers, type ServerProbe, type TestServer } from "../src/index.ts";

const LOCAL: Record<TestServer, string> = {
  postgres: "postgres://postgres:secret@127.0.0.1:5432/postgres",
  nats: "nats://127.0.0.1:4222",
  redis: "redis://localhost:6379",
};

function probes(
  answering: Partial<Record<TestServer, boolean>>,
  urls: Partial<Record<TestServer, string>> = {},
): Record<TestServer, ServerProbe> {
  const probe = (name: TestServer): ServerProbe => ({
    url: urls[name] ?? LOCAL[name],
    answers: answering[name] ?? true,
  });
  return { postgres: probe("postgres"), nats: probe("nats"), redis: probe("redis") };
}

describe("planTestServers", () => {
  it("uses the servers as they are when all of them answer, Docker or not", () => {
    expect(planTestServers(probes({}), false)).toEqual({ kind: "local" });
    expect(planTestServers(probes({}), true)).toEqual({ kind: "local" });
  });

  it("starts containers for exactly the local servers that do not answer, when Docker answers", () => {
    expect(planTestServers(probes({ nats: false }), true)).toEqual({ kind: "containers", start: ["nats"] });
    expect(planTestServers(probes({ postgres: false, nats: false, redis: false }), true)).toEqual({
      kind: "containers",
      start: ["postgres", "nats", "redis"],
    });
  });

  it("says in one line which servers are missing when there is no Docker engine either", () => {
    const plan = planTestServers(probes({ postgres: false, redis: false }), false);
    expect(plan.kind).toBe("neither");
    const message = plan.kind === "neither" ? plan.message : "";
    expect(message).not.toContain("\n");
    expect(message).toContain("Postgres at 127.0.0.1:5432");
    expect(message).toContain("Redis at localhost:6379");
    expect(message).not.toContain("NATS");
    expect(message).toContain("no Docker engine");
  });

  it("never starts a container in place of a remote server that does not answer", () => {
    const plan = planTestServers(
      probes({ postgres: false }, { postgres: "postgres://ci:secret@db.internal:5432/tessera" }),
      true,
    );
    expect(plan.kind).toBe("neither");
    expect(plan.kind === "neither" ? plan.message : "").toContain("Postgres at db.internal:5432");
  });

  it("never prints a password of a URL", () => {
    const plan = planTestServers(probes({ postgres: false }), false);
    expect(plan.kind === "neither" ? plan.message : "").not.toContain("secret");
  });
});
