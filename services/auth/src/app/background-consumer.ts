import { jetstreamManager } from "@nats-io/jetstream";
import type { ConsumeOptions } from "@tessera/bus";
import type { ServiceName } from "@tessera/contracts";
import type { ServiceRuntime } from "@tessera/service-kit";

/** How often a consumer looks for a stream whose service has not started yet, in ms. */
const STREAM_POLL_MS = 500;

/**
 * A durable consumer on another service's stream, started in the background once that stream
 * exists, so `auth` (which every other service needs) never waits for them at start; a stop cancels
 * the waiting too.
 */
export function consumeInBackground<Db>(
  runtime: ServiceRuntime<Db>,
  options: ConsumeOptions & { stream: ServiceName },
): void {
  let stopped = false;
  const started = waitForStream(runtime, options.stream, () => stopped).then((exists) =>
    exists ? runtime.consume(options) : undefined,
  );
  started.catch((err: unknown) =>
    runtime.logger.error({ err, consumer: options.name }, "consumer did not start"),
  );
  runtime.onStop(`consumer ${options.name}`, async () => {
    stopped = true;
    const consumption = await started.catch(() => undefined);
    await consumption?.stop();
  });
}

async function waitForStream<Db>(
  runtime: ServiceRuntime<Db>,
  service: ServiceName,
  isStopped: () => boolean,
): Promise<boolean> {
  const jsm = await jetstreamManager(runtime.bus.nc);
  const stream = runtime.bus.names.eventStream(service);
  while (!isStopped()) {
    const exists = await jsm.streams.info(stream).then(
      () => true,
      () => false,
    );
    if (exists) return true;
    await new Promise((resolve) => setTimeout(resolve, STREAM_POLL_MS));
  }
  return false;
}
