import type { ParseArgsConfig } from "node:util";
import { OPS_SERVICES, type OpsServiceName } from "@tessera/contracts";
import type { Remote } from "./remote.ts";

/** Options of one command, as `node:util` `parseArgs` takes them. */
export type CommandOptions = NonNullable<ParseArgsConfig["options"]>;

export interface CommandInput {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

/** What a command prints through, and the running platform it talks to. */
export interface CommandContext {
  /** Connects on first use, so `--help` and usage errors never need NATS. */
  remote(): Promise<Remote>;
  /** One line to stdout. */
  print(line: string): void;
  /** One line to stderr for a part that failed; the command goes on, and exits 1 in the end. */
  printFailure(line: string): void;
}

export interface Command {
  /** The words that select it, e.g. `dlq list`. */
  readonly name: string;
  /** Its arguments as the usage line shows them, e.g. `<service> <seq>`. */
  readonly args: string;
  /** One line for the command list. */
  readonly summary: string;
  /** More lines for `--help`: what it does, what each option means. */
  readonly help?: readonly string[];
  readonly options?: CommandOptions;
  run(input: CommandInput, context: CommandContext): Promise<void>;
}

/** The command line is wrong: exit 2 with the command's usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The command ran and failed (the stack is down, a service refused): exit 1 with one line. */
export class CommandFailedError extends Error {
  override name = "CommandFailedError";
}

/** The `index`-th positional, or a usage error naming it. */
export function positional(input: CommandInput, index: number, what: string): string {
  const value = input.positionals[index];
  if (value === undefined || value === "") throw new UsageError(`missing ${what}`);
  return value;
}

/** Refuses positionals beyond the first `count`. */
export function noMorePositionals(input: CommandInput, count: number): void {
  const extra = input.positionals.slice(count);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra.join(" ")}`);
}

/** A string option's value, when given. */
export function stringOption(input: CommandInput, name: string): string | undefined {
  const value = input.values[name];
  return typeof value === "string" ? value : undefined;
}

/** A whole number option within `[min, max]`, or `fallback` when absent. */
export function numberOption(
  input: CommandInput,
  name: string,
  range: { min: number; max: number; fallback: number },
): number {
  const raw = stringOption(input, name);
  if (raw === undefined) return range.fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < range.min || value > range.max) {
    throw new UsageError(`--${name} must be a whole number from ${range.min} to ${range.max}, not ${raw}`);
  }
  return value;
}

/** A service that answers `svc.<service>.ops.*`, or a usage error listing them. */
export function opsService(input: CommandInput, index: number): OpsServiceName {
  const name = positional(input, index, `service (one of ${OPS_SERVICES.join(", ")})`);
  const service = OPS_SERVICES.find((candidate) => candidate === name);
  if (service === undefined)
    throw new UsageError(`unknown service ${name}: one of ${OPS_SERVICES.join(", ")}`);
  return service;
}
