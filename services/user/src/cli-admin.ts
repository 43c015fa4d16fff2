import { randomUUID } from "node:crypto";
import { connectNats, createBus, redactServer } from "@tessera/bus";
import { adminRolesGrant, adminRolesRevoke, EmailSchema, TesseraError } from "@tessera/contracts";
import { baseServiceConfig, loadConfigOrExit } from "@tessera/service-kit";

/**
 * `npm run cli -- admin grant|revoke <email>`: changes a platform role through the running user
 * service (`svc.user.admin.*`, actor `system:cli`). Prints one line; exits 0 on success, 1 otherwise.
 */

const USAGE = "usage: npm run cli -- admin grant|revoke <email>";
/** How long to wait for the user service, in ms. */
const REQUEST_TIMEOUT_MS = 5_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function fail(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

const [area, action, rawEmail, ...rest] = process.argv.slice(2);
if (area !== "admin" || (action !== "grant" && action !== "revoke") || rest.length > 0) fail(USAGE);
const email = EmailSchema.safeParse(rawEmail);
if (!email.success) fail(`not an email address: ${rawEmail ?? "(missing)"}; ${USAGE}`);

const config = loadConfigOrExit(baseServiceConfig.pick({ NATS_URL: true, BUS_NAMESPACE: true }));
const nc = await connectNats({
  servers: config.NATS_URL,
  name: "user-cli",
  logger: silent,
  waitOnFirstConnect: false,
}).catch(() => fail(`cannot reach NATS at ${redactServer(config.NATS_URL)}`));

try {
  const bus = createBus(nc, { service: "user", namespace: config.BUS_NAMESPACE, logger: silent });
  const operation = action === "grant" ? adminRolesGrant : adminRolesRevoke;
  const result = await bus.request(
    operation,
    { email: email.data, role: "admin" },
    { requestId: randomUUID(), actor: "system:cli" },
    { timeoutMs: REQUEST_TIMEOUT_MS },
  );
  const who = `${result.email} (${result.userId})`;
  const line =
    action === "grant"
      ? result.changed
        ? `granted platform admin to ${who}`
        : `${who} already is a platform admin`
      : result.changed
        ? `revoked platform admin from ${who}`
        : `${who} was not a platform admin`;
  process.stdout.write(`${line}\n`);
} catch (error) {
  if (error instanceof TesseraError && error.code === "user.not_found") {
    process.exitCode = 1;
    process.stderr.write(`no user with the email ${email.data}\n`);
  } else {
    process.exitCode = 1;
    const reason = error instanceof TesseraError ? `${error.code}: ${error.message}` : String(error);
    process.stderr.write(`admin ${action} failed: ${reason}\n`);
  }
} finally {
  await nc.close();
}
