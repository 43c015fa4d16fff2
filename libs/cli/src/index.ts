export { type Command, type CommandContext, CommandFailedError, UsageError } from "./command.ts";
export { COMMANDS } from "./commands/index.ts";
export { CLI_ACTOR, connectRemote, type Remote } from "./remote.ts";
export { EXIT, type Io, runCli } from "./run.ts";
