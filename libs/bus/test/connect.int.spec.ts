import { startNatsServer, TEST_NATS_URL } from "@tessera/testing";
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

  it("signs in with the user and password of the URL, and is refused with wrong ones", async () => {
    const server = await startNatsServer({ args: ["--user", "service", "--pass", "pa ss:w@rd/1"] });
    const logger = captureLogger();
    try {
      const url = new URL(server.url);
      url.username = "service";
      url.password = "pa ss:w@rd/1";
      const nc = await connectNats({ servers: url.toString(), name: "creds-test", logger });
      try {
        await nc.flush();
        expect(nc.getServer()).toBe(`127.0.0.1:${server.port}`);
      } finally {
        await nc.close();
      }
      url.password = "wrong";
      await expect(
        connectNats({ servers: url.toString(), name: "creds-test", logger, waitOnFirstConnect: false }),
      ).rejects.toThrow(/authorization/i);
      expect(JSON.stringify(logger.entries)).not.toContain("w@rd");
    } finally {
      await server.stop();
    }
  });

  it("refuses a server list whose URLs name different credentials", async () => {
    await expect(
      connectNats({
        servers: "nats://a:one@127.0.0.1:1,nats://b:two@127.0.0.1:2",
        name: "creds-test",
        logger: captureLogger(),
      }),
    ).rejects.toThrow(/one user and password/);
  });

  it("redacts user and password from a server URL", () => {
    expect(redactServer("nats://alice:pw@nats:4222")).toBe("nats://***@nats:4222");
    expect(redactServer("tls://token@nats:4222")).toBe("tls://***@nats:4222");
    expect(redactServer("127.0.0.1:4222")).toBe("127.0.0.1:4222");
  });
});
