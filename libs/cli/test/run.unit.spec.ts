import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/commands/index.ts";
import { EXIT, runCli } from "../src/run.ts";

/** Nothing listens there: a command that tried to connect would fail, not hang, and not pass. */
const nowhere = { natsUrl: "nats://127.0.0.1:1" };

async function run(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(COMMANDS, argv, nowhere, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  });
  return { code, out, err };
}

describe("the command line", () => {
  it("lists every command with --help, exit 0, and without any command on stderr, exit 2", async () => {
    const help = await run("--help");
    expect(help.code).toBe(EXIT.ok);
    for (const command of COMMANDS) expect(help.out).toContain(`  ${command.name} ${command.args}`.trimEnd());
    const none = await run();
    expect(none.code).toBe(EXIT.usage);
    expect(none.err).toBe(help.out);
  });

  it("has a --help for every command, which needs no connection", async () => {
    for (const command of COMMANDS) {
      const help = await run(...command.name.split(" "), "--help");
      expect(help, command.name).toMatchObject({ code: EXIT.ok, err: "" });
      expect(help.out.split("\n")[0]).toBe(
        `usage: npm run cli -- ${command.name}${command.args ? ` ${command.args}` : ""}${command.options ? " [options]" : ""}`,
      );
    }
  });

  it("lists an area's commands for `<area> --help`", async () => {
    const dlq = await run("dlq", "--help");
    expect(dlq.code).toBe(EXIT.ok);
    expect(dlq.out).toContain("dlq list");
    expect(dlq.out).toContain("dlq replay");
    expect(dlq.out).not.toContain("runs list");
  });

  it("exits 2 with the usage for an unknown command, option, service or value", async () => {
    for (const argv of [
      ["promote"],
      ["dlq", "purge"],
      ["dlq", "list", "--everything"],
      ["dlq", "show", "billing", "3"],
      ["dlq", "show", "user", "0"],
      ["projection", "rebuild", "user"],
      ["mail", "list", "--limit", "500"],
      ["runs", "list", "--status", "sleeping"],
      ["keys", "rotate", "now"],
    ]) {
      const result = await run(...argv);
      expect(result.code, argv.join(" ")).toBe(EXIT.usage);
      expect(result.out, argv.join(" ")).toBe("");
    }
    expect((await run("dlq", "show", "billing", "3")).err).toBe(
      "unknown service billing: one of auth, user, memory, ingestion, outbound, job-scheduler\nusage: npm run cli -- dlq show <service> <seq>\n",
    );
  });
});
