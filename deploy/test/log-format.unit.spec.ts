import { createLogger } from "@tessera/service-kit";
import { describe, expect, it } from "vitest";
import { formatLine } from "../local/lib/log-format.ts";

/** The JSON lines a service's own logger writes, as `npm start` reads them from its output. */
function linesOf(write: (logger: ReturnType<typeof createLogger>) => void): string[] {
  const lines: string[] = [];
  const logger = createLogger({
    service: "auth",
    level: "debug",
    destination: { write: (line) => lines.push(line.trim()) },
  });
  write(logger);
  return lines;
}

describe("npm start's log lines", () => {
  it("pretty-prints what the services' logger writes: time, level, message, fields", () => {
    const [line] = linesOf((logger) => logger.warn({ requestId: "r-1", attempt: 2 }, "upstream slow"));
    const printed = formatLine(line ?? "");
    expect(printed).toMatch(/^\d\d:\d\d:\d\d\.\d{3}\s\S*WARN\s*\S*\s+upstream slow requestId=r-1 attempt=2$/);
    expect(printed).not.toContain('"level"');
  });

  it("shows an error's stack below its line and leaves other text alone", () => {
    const [line] = linesOf((logger) => logger.error({ err: new Error("boom") }, "failed"));
    const printed = formatLine(line ?? "");
    expect(printed.split("\n")[0]).toMatch(/ERROR.*failed err=boom$/);
    expect(printed).toContain("at ");
    expect(formatLine("plain text")).toBe("plain text");
  });
});
