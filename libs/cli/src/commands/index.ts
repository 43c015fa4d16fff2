import type { Command } from "../command.ts";
import { adminCommands } from "./admin.ts";
import { dlqCommands } from "./dlq.ts";
import { eventCommands } from "./events.ts";
import { keyCommands } from "./keys.ts";
import { mailCommands } from "./mail.ts";
import { migrationCommands } from "./migrations.ts";
import { projectionCommands } from "./projections.ts";
import { runCommands } from "./runs.ts";

/** Every command, in the order `--help` lists them. One module per area; registered here, explicitly. */
export const COMMANDS: readonly Command[] = [
  ...adminCommands,
  ...projectionCommands,
  ...eventCommands,
  ...dlqCommands,
  ...keyCommands,
  ...migrationCommands,
  ...runCommands,
  ...mailCommands,
];
