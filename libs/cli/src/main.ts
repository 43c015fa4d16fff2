// The config entry alone: the whole kit (logger, telemetry, metrics) would double the start-up time.
import { baseServiceConfig, loadConfigOrExit } from "@tessera/service-kit/config";
import { COMMANDS } from "./commands/index.ts";
import { runCli } from "./run.ts";

/**
 * `npm run cli -- <command> …`: the platform's ops commands (`--help` lists them). NATS_URL and
 * BUS_NAMESPACE say where the running services are; the NATS credentials in NATS_URL are what lets
 * the CLI in (decision 0073). Exit 0 done, 1 failed, 2 wrong command line.
 */
const config = loadConfigOrExit(baseServiceConfig.pick({ NATS_URL: true, BUS_NAMESPACE: true }));
const code = await runCli(
  COMMANDS,
  process.argv.slice(2),
  { natsUrl: config.NATS_URL, namespace: config.BUS_NAMESPACE },
  { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
);
process.exit(code);
