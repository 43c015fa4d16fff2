import { type Run, RunStatusSchema, runsCancel, runsList, runsReplay } from "@tessera/contracts";
import {
  type Command,
  type CommandInput,
  noMorePositionals,
  numberOption,
  positional,
  stringOption,
  UsageError,
} from "../command.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function runId(input: CommandInput): string {
  const id = positional(input, 0, "run id (see runs list)");
  noMorePositionals(input, 1);
  if (!UUID.test(id)) throw new UsageError(`not a run id: ${id}`);
  return id;
}

function line(run: Run): string {
  const error = run.error === null ? "" : `  ${run.error}`;
  return `${run.id}  ${run.jobType}  ${run.status}  attempts ${run.attempts}  queued ${run.queuedAt}${error}`;
}

/** `runs list|cancel|replay`: job runs, through the job scheduler's own operations. */
export const runCommands: readonly Command[] = [
  {
    name: "runs list",
    args: "",
    summary: "job runs, newest first: id, job type, status, attempts, queued at, error",
    help: [
      "  --type T     only runs of this job type",
      `  --status S   only runs in this status (${RunStatusSchema.options.join(", ")})`,
      "  --limit N    how many (1 to 200, default 50)",
      "  --cursor C   the next page (printed after a full page)",
    ],
    options: {
      type: { type: "string" },
      status: { type: "string" },
      limit: { type: "string" },
      cursor: { type: "string" },
    },
    async run(input, context) {
      noMorePositionals(input, 0);
      const status = stringOption(input, "status");
      const parsedStatus = status === undefined ? undefined : RunStatusSchema.safeParse(status);
      if (parsedStatus !== undefined && !parsedStatus.success) {
        throw new UsageError(`--status must be one of ${RunStatusSchema.options.join(", ")}`);
      }
      const type = stringOption(input, "type");
      const cursor = stringOption(input, "cursor");
      const limit = numberOption(input, "limit", { min: 1, max: 200, fallback: 50 });
      const remote = await context.remote();
      const page = await remote.request(runsList, {
        limit,
        ...(type === undefined ? {} : { type }),
        ...(parsedStatus?.success ? { status: parsedStatus.data } : {}),
        ...(cursor === undefined ? {} : { cursor }),
      });
      if (page.items.length === 0) context.print("no runs");
      for (const run of page.items) context.print(line(run));
      if (page.nextCursor !== null)
        context.print(`more: npm run cli -- runs list --cursor ${page.nextCursor}`);
    },
  },
  {
    name: "runs cancel",
    args: "<runId>",
    summary: "cancel a run: workers skip it, or abort the attempt that runs",
    async run(input, context) {
      const id = runId(input);
      const remote = await context.remote();
      context.print(`cancelled: ${line(await remote.request(runsCancel, { runId: id }))}`);
    },
  },
  {
    name: "runs replay",
    args: "<runId>",
    summary: "queue a finished run's job again, with the same payload",
    async run(input, context) {
      const id = runId(input);
      const remote = await context.remote();
      context.print(`replayed: ${line(await remote.request(runsReplay, { runId: id }))}`);
    },
  },
];
