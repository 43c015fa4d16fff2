import { GenericContainer } from "testcontainers";
import { describe, expect, it } from "vitest";
import { genericContainerOf, serverContainer, urlAt } from "../src/containers.ts";

// Built, never started: nothing here talks to a Docker engine.
describe("the test servers' containers", () => {
  it("runs Postgres with pgvector, trusting local connections, with the database the URL names", () => {
    const postgres = serverContainer("postgres", "postgres://postgres@127.0.0.1:5432/tessera");
    expect(postgres.image).toMatch(/^pgvector\/pgvector:pg\d+$/);
    expect(postgres.environment).toEqual({ POSTGRES_HOST_AUTH_METHOD: "trust", POSTGRES_DB: "tessera" });
    expect(postgres.port).toBe(5432);
    // Ready only at the second "ready" line: the first is the entrypoint's init-time server.
    expect(postgres.wait).toMatchObject({
      message: /database system is ready to accept connections/,
      times: 2,
    });
    expect(serverContainer("postgres", "postgres://postgres@127.0.0.1:5432").environment.POSTGRES_DB).toBe(
      "postgres",
    );
  });

  it("runs NATS with JetStream and waits for its JetStream health endpoint", () => {
    const nats = serverContainer("nats", "nats://127.0.0.1:4222");
    expect(nats.command).toEqual(["-js", "-m", "8222"]);
    expect(nats.port).toBe(4222);
    expect(nats.exposedPorts).toEqual([4222, 8222]);
    expect(nats.wait).toMatchObject({ path: "/healthz?js-enabled-only=true", port: 8222 });
  });

  it("runs Redis without persistence and waits until it accepts connections", () => {
    const redis = serverContainer("redis", "redis://127.0.0.1:6379");
    expect(redis.command).toEqual(["redis-server", "--save", "", "--appendonly", "no"]);
    expect(redis.exposedPorts).toEqual([6379]);
    expect(redis.wait).toMatchObject({ message: /Ready to accept connections/ });
  });

  it.each(["postgres", "nats", "redis"] as const)("builds %s as a testcontainers definition", (server) => {
    const definition = serverContainer(server, "x://127.0.0.1:1/postgres");
    const container = genericContainerOf(definition);
    expect(container).toBeInstanceOf(GenericContainer);
    expect(Reflect.get(container, "createOpts")).toMatchObject({
      Image: definition.image,
      ...(definition.command.length > 0 ? { Cmd: definition.command } : {}),
    });
    expect(Reflect.get(container, "waitStrategy")).toBe(definition.wait);
    expect(Reflect.get(container, "exposedPorts")).toEqual(definition.exposedPorts);
  });

  it("points a URL at the container's host and port, keeping user, password and database", () => {
    expect(urlAt("postgres://postgres:pw@127.0.0.1:5432/tessera", "localhost", 32768)).toBe(
      "postgres://postgres:pw@localhost:32768/tessera",
    );
    expect(urlAt("nats://127.0.0.1:4222", "localhost", 32769)).toBe("nats://localhost:32769");
  });
});
