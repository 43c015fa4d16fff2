import { randomUUID } from "node:crypto";
import { connectNats, createBus, redactServer } from "@tessera/bus";
import { type CaughtMail, mailList, TesseraError } from "@tessera/contracts";
import { baseServiceConfig, loadConfigOrExit } from "@tessera/service-kit";

/**
 * `npm run cli -- mail list [--limit N]`: the emails outbound's local mail catcher received, newest
 * first, with their text (`svc.outbound.mail.list`, actor `system:cli`). Exits 1 with one line when
 * the stack is not running.
 */

const USAGE = "usage: npm run cli -- mail list [--limit N] (N from 1 to 200, default 20)";
/** How long to wait for outbound, in ms. */
const REQUEST_TIMEOUT_MS = 5_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function fail(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

const [, action, ...options] = process.argv.slice(2);
if (action !== "list") fail(USAGE);
let limit = 20;
if (options.length > 0) {
  if (options.length !== 2 || options[0] !== "--limit" || !/^\d{1,3}$/.test(options[1] ?? "")) fail(USAGE);
  limit = Number(options[1]);
  if (limit < 1 || limit > 200) fail(USAGE);
}

const config = loadConfigOrExit(baseServiceConfig.pick({ NATS_URL: true, BUS_NAMESPACE: true }));
const nc = await connectNats({
  servers: config.NATS_URL,
  name: "mail-cli",
  logger: silent,
  waitOnFirstConnect: false,
}).catch(() =>
  fail(`cannot reach NATS at ${redactServer(config.NATS_URL)}: is the stack running (npm start)?`),
);

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

try {
  const bus = createBus(nc, { service: "user", namespace: config.BUS_NAMESPACE, logger: silent });
  const page = await bus.request(
    mailList,
    { limit },
    { requestId: randomUUID(), actor: "system:cli" },
    { timeoutMs: REQUEST_TIMEOUT_MS },
  );
  const where = page.catcher
    ? `mail catcher at ${page.catcher.web} (SMTP ${page.catcher.smtp})`
    : "no mail catcher: outbound sends to OUTBOUND_SMTP_URL";
  const count = page.items.length === 0 ? "no mails" : `${page.items.length} newest mail(s)`;
  process.stdout.write(`${count}; ${where}\n\n${page.items.map(describe).join("\n")}`);
} catch (error) {
  process.exitCode = 1;
  if (
    error instanceof TesseraError &&
    (error.code === "upstream.unavailable" || error.code === "upstream.timeout")
  ) {
    process.stderr.write("the outbound service is not answering: is the stack running (npm start)?\n");
  } else {
    const reason = error instanceof TesseraError ? `${error.code}: ${error.message}` : String(error);
    process.stderr.write(`mail list failed: ${reason}\n`);
  }
} finally {
  await nc.close();
}
