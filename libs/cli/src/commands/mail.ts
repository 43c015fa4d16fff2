import { type CaughtMail, mailList } from "@tessera/contracts";
import { type Command, noMorePositionals, numberOption } from "../command.ts";

function describe(mail: CaughtMail): string {
  const lines = [
    `── ${mail.receivedAt}  ${mail.subject ?? "(no subject)"}`,
    `   to: ${mail.to ?? mail.envelopeTo.join(", ")}   from: ${mail.from ?? ""}`,
    `   id: ${mail.id}${mail.hasHtml ? "   (also HTML, on the catcher's page)" : ""}`,
    "",
    ...(mail.text ?? "")
      .trimEnd()
      .split("\n")
      .map((line) => `   ${line}`),
    "",
  ];
  return lines.join("\n");
}

/** `mail list`: what outbound's local mail catcher received. */
export const mailCommands: readonly Command[] = [
  {
    name: "mail list",
    args: "",
    summary: "the emails the local mail catcher received, newest first, with their text",
    help: ["  --limit N   how many (1 to 200, default 20)"],
    options: { limit: { type: "string" } },
    async run(input, context) {
      noMorePositionals(input, 0);
      const limit = numberOption(input, "limit", { min: 1, max: 200, fallback: 20 });
      const remote = await context.remote();
      const page = await remote.request(mailList, { limit });
      const where = page.catcher
        ? `mail catcher at ${page.catcher.web} (SMTP ${page.catcher.smtp})`
        : "no mail catcher: outbound sends to OUTBOUND_SMTP_URL";
      const count = page.items.length === 0 ? "no mails" : `${page.items.length} newest mail(s)`;
      context.print(`${count}; ${where}\n`);
      for (const mail of page.items) context.print(describe(mail));
    },
  },
];
