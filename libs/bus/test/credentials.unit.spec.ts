import { describe, expect, it } from "vitest";
import { splitCredentials } from "../src/index.ts";

describe("splitCredentials", () => {
  it("takes a percent-encoded user and password out of every URL of a list", () => {
    expect(
      splitCredentials([
        "nats://service:p%40ss%3Aw0rd@nats-0:4222",
        "nats://service:p%40ss%3Aw0rd@nats-1:4222",
      ]),
    ).toEqual({
      servers: ["nats://nats-0:4222", "nats://nats-1:4222"],
      credentials: { user: "service", pass: "p@ss:w0rd" },
    });
  });

  it("reads a lone user part as a token, and leaves URLs without credentials alone", () => {
    expect(splitCredentials(["tls://s3cr3t@nats:4222"])).toEqual({
      servers: ["tls://nats:4222"],
      credentials: { token: "s3cr3t" },
    });
    expect(splitCredentials(["nats://127.0.0.1:4222", "127.0.0.1:4223"])).toEqual({
      servers: ["nats://127.0.0.1:4222", "127.0.0.1:4223"],
      credentials: {},
    });
  });

  it("refuses a list that mixes credentials, or a password that is not percent-encoded", () => {
    expect(() => splitCredentials(["nats://a:1@h1:4222", "nats://h2:4222"])).toThrow(/same one user/);
    expect(() => splitCredentials(["nats://a:%zz@h1:4222"])).toThrow(/percent-encoded/);
  });
});
