import { createLogger } from "@tessera/service-kit";
import { describe, expect, it } from "vitest";
import { lazyChildLoggerFactory } from "../src/app/lazy-child-logger.ts";

function capture(level: "info" | "warn") {
  const lines: Record<string, unknown>[] = [];
  const parent = createLogger({
    service: "api-gateway",
    level,
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  let children = 0;
  const counting = Object.assign(Object.create(parent), {
    child: (...args: Parameters<typeof parent.child>) => {
      children++;
      return parent.child(...args);
    },
  });
  return { lines, parent: counting, children: () => children };
}

describe("lazy request logger", () => {
  it("makes no child for a request that logs nothing at an enabled level", () => {
    const { lines, parent, children } = capture("warn");
    const log = lazyChildLoggerFactory.call(null as never, parent, { requestId: "r-1" }, {}, null as never);
    log.info({ route: "/v1/users/me" }, "request completed");
    log.debug("detail");
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
    expect(log.level).toBe("warn");
  });

  it("logs enabled lines with the request's bindings, redaction included, and nests children", () => {
    const { lines, parent, children } = capture("info");
    const log = lazyChildLoggerFactory.call(null as never, parent, { requestId: "r-2" }, {}, null as never);
    log.info({ authorization: "Bearer secret" }, "request completed");
    log.child({ subject: "svc.user.me.get" }).warn("slow");
    expect(children()).toBe(1);
    expect(lines).toMatchObject([
      { requestId: "r-2", authorization: "[redacted]", msg: "request completed", level: "info" },
      { requestId: "r-2", subject: "svc.user.me.get", msg: "slow", level: "warn" },
    ]);
  });

  it("lets a route's own level decide", () => {
    const { lines, parent } = capture("warn");
    const log = lazyChildLoggerFactory.call(
      null as never,
      parent,
      { requestId: "r-3" },
      { level: "debug" },
      null as never,
    );
    log.debug("route-level detail");
    expect(lines).toMatchObject([{ requestId: "r-3", msg: "route-level detail" }]);
  });
});
