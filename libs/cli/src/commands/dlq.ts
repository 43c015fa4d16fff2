import { type DeadLetter, opsOperations } from "@tessera/contracts";
import {
  type Command,
  type CommandInput,
  noMorePositionals,
  numberOption,
  opsService,
  positional,
  stringOption,
  UsageError,
} from "../command.ts";
import { forEachService } from "./each-service.ts";

function sequence(input: CommandInput, index: number): number {
  const raw = positional(input, index, "dead letter sequence (see dlq list)");
  const seq = Number(raw);
  if (!/^\d{1,15}$/.test(raw) || seq < 1) throw new UsageError(`not a dead letter sequence: ${raw}`);
  return seq;
}

function line(service: string, letter: DeadLetter): string {
  return [
    `${service} ${letter.seq}`,
    letter.deadLetteredAt,
    letter.consumer,
    `${letter.subject} (${letter.stream} #${letter.streamSequence})`,
    `${letter.deliveries} deliveries`,
    letter.error,
  ].join("  ");
}

/** `dlq list|show|replay`: the messages consumers gave up on (libs/bus dead-letter.ts). */
export const dlqCommands: readonly Command[] = [
  {
    name: "dlq list",
    args: "[<service>]",
    summary: "dead letters, oldest first: service, sequence, when, consumer, source, deliveries, error",
    help: [
      "Without a service, every service lists its own consumers' letters.",
      "  --limit N    letters per service (1 to 200, default 50)",
      "  --cursor C   the next page of one service (printed after a full page)",
    ],
    options: { limit: { type: "string" }, cursor: { type: "string" } },
    async run(input, context) {
      noMorePositionals(input, 1);
      const limit = numberOption(input, "limit", { min: 1, max: 200, fallback: 50 });
      const cursor = stringOption(input, "cursor");
      if (cursor !== undefined && input.positionals[0] === undefined) {
        throw new UsageError("--cursor pages through one service: name it");
      }
      const remote = await context.remote();
      let total = 0;
      await forEachService(
        input,
        0,
        context,
        (service) =>
          remote.request(opsOperations(service).deadLettersList, {
            limit,
            ...(cursor === undefined ? {} : { cursor }),
          }),
        (service, page) => {
          total += page.items.length;
          for (const letter of page.items) context.print(line(service, letter));
          if (page.nextCursor !== null) {
            context.print(
              `more: npm run cli -- dlq list ${service} --limit ${limit} --cursor ${page.nextCursor}`,
            );
          }
        },
      );
      if (total === 0) context.print("no dead letters");
    },
  },
  {
    name: "dlq show",
    args: "<service> <seq>",
    summary: "one dead letter with its headers and data",
    async run(input, context) {
      const service = opsService(input, 0);
      const seq = sequence(input, 1);
      noMorePositionals(input, 2);
      const remote = await context.remote();
      const letter = await remote.request(opsOperations(service).deadLettersGet, { seq });
      context.print(line(service, letter));
      for (const [key, values] of Object.entries(letter.headers)) {
        for (const value of values) context.print(`${key}: ${value}`);
      }
      context.print("");
      context.print(letter.data);
      if (letter.truncated) context.print(`… (${letter.size} bytes in all)`);
    },
  },
  {
    name: "dlq replay",
    args: "<service> <seq>",
    summary: "publish a dead letter to its subject again and remove it from the DLQ",
    help: [
      "Every consumer of that subject receives it again (consumers handle an event id once); a job",
      "message goes back to the job's workers. For a job run the scheduler holds as dead, prefer runs",
      "replay: it queues the run as a new generation, which the run's history then shows.",
    ],
    async run(input, context) {
      const service = opsService(input, 0);
      const seq = sequence(input, 1);
      noMorePositionals(input, 2);
      const remote = await context.remote();
      const replayed = await remote.request(opsOperations(service).deadLettersReplay, { seq });
      context.print(
        `replayed dead letter ${service} ${seq} to ${replayed.subject} (${replayed.stream} #${replayed.streamSequence})`,
      );
    },
  },
];
