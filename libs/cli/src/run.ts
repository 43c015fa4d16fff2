import { parseArgs } from "node:util";
import { type Command, CommandFailedError, type CommandInput, UsageError } from "./command.ts";
import { connectRemote, describeFailure, type Remote, type RemoteSettings } from "./remote.ts";

/** How the CLI ends: 0 done, 1 the command failed, 2 the command line is wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const PROGRAM = "npm run cli --";

function usageLine(command: Command): string {
  const options = Object.keys(command.options ?? {}).length > 0 ? " [options]" : "";
  return `usage: ${PROGRAM} ${command.name}${command.args ? ` ${command.args}` : ""}${options}`;
}

function commandHelp(command: Command): string {
  return [usageLine(command), "", command.summary, ...(command.help ?? []).map((line) => line), ""].join(
    "\n",
  );
}

function listing(commands: readonly Command[], title: string): string {
  const width = Math.max(...commands.map((command) => `${command.name} ${command.args}`.length));
  const lines = commands.map(
    (command) => `  ${`${command.name} ${command.args}`.padEnd(width)}  ${command.summary}`,
  );
  return [title, "", ...lines, "", `${PROGRAM} <command> --help shows a command's options.`, ""].join("\n");
}

/** The command the words select, and the words left for it. */
function select(commands: readonly Command[], argv: readonly string[]) {
  for (const command of commands) {
    const words = command.name.split(" ");
    if (words.every((word, index) => argv[index] === word)) {
      return { command, rest: argv.slice(words.length) };
    }
  }
  return undefined;
}

/**
 * Runs one command line to its exit code. Usage errors and `--help` need no connection; the
 * connection is opened on the first request and closed at the end.
 */
export async function runCli(
  commands: readonly Command[],
  argv: readonly string[],
  settings: RemoteSettings,
  io: Io,
): Promise<number> {
  const top = `${PROGRAM} <command>: the platform's ops commands, run against the running services over NATS.`;
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    (argv.length === 0 ? io.err : io.out)(listing(commands, top));
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const selected = select(commands, argv);
  if (selected === undefined) {
    const area = commands.filter((command) => command.name.split(" ")[0] === argv[0]);
    const asksHelp = argv.length === 2 && (argv[1] === "--help" || argv[1] === "-h");
    if (area.length > 0 && asksHelp) {
      io.out(listing(area, `${PROGRAM} ${argv[0]} <command>`));
      return EXIT.ok;
    }
    const known = area.length > 0 ? area : commands;
    io.err(`unknown command: ${argv.join(" ")}\n\n${listing(known, top)}`);
    return EXIT.usage;
  }
  const { command, rest } = selected;
  let input: CommandInput;
  try {
    const parsed = parseArgs({
      args: [...rest],
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help === true) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    input = { positionals: parsed.positionals, values: parsed.values };
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${usageLine(command)}\n`);
    return EXIT.usage;
  }

  let remote: Promise<Remote> | undefined;
  let failedLines = 0;
  const context = {
    remote: () => {
      remote ??= connectRemote(settings);
      return remote;
    },
    print: (line: string) => io.out(`${line}\n`),
    printFailure: (line: string) => {
      failedLines++;
      io.err(`${line}\n`);
    },
  };
  try {
    await command.run(input, context);
    return failedLines > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n${usageLine(command)}\n`);
      return EXIT.usage;
    }
    if (error instanceof CommandFailedError) io.err(`${error.message}\n`);
    else io.err(`${command.name} failed: ${describeFailure(error)}\n`);
    return EXIT.failed;
  } finally {
    const opened = await remote?.catch(() => undefined);
    await opened?.close().catch(() => undefined);
  }
}
