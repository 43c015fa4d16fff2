import { TEST_NATS_URL } from "@tessera/testing";
import { describe, expect, it } from "vitest";
import { connectNats, redactServer } from "../src/index.ts";
import { captureLogger } from "./support.ts";

describe("connectNats", () => {
  it("connects, reconnects forever and never logs the credentials in the URL", async () => {
    const logger = captureLogger();
    const url = new URL(TEST_NATS_URL);
    url.username = "alice";
    url.password = "s3cret-pw";
    const nc = await connectNats({ servers: url.toString(), name: "connect-test", logger });
    try {
      expect(nc.info?.server_name).toBeDefined();
      expect(logger.entries.map((e) => e.message)).toContain("connected to NATS");
    } finally {
      await nc.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(JSON.stringify(logger.entries)).not.toContain("s3cret-pw");
  });

  it("redacts user and password from a server URL", () => {
    expect(redactServer("nats://alice:pw@nats:4222")).toBe("nats://***@nats:4222");
    expect(redactServer("tls://token@nats:4222")).toBe("tls://***@nats:4222");
    expect(redactServer("127.0.0.1:4222")).toBe("127.0.0.1:4222");
  });
});
