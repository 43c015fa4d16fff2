import { jetstreamManager } from "@nats-io/jetstream";
import { SERVICES, type ServiceName } from "@tessera/contracts";
import type { ServiceRuntime } from "@tessera/service-kit";
import type { UserDb } from "../infra/tables.ts";
import { historyConsumerName, recordHistory } from "./record-history.ts";

/** How often a history consumer looks for a stream whose service has not started yet, in ms. */
const STREAM_POLL_MS = 500;

/** Every service with an event stream: all but the gateway. */
export const HISTORY_SOURCES: readonly ServiceName[] = SERVICES.filter(
  (service) => service !== "api-gateway",
);

/**
 * One durable consumer per `EVT_<SERVICE>` stream (`evt.<service>.>`: one filter subject, which
 * NATS 2.9 supports). Each starts in the background once its stream exists, so the user service
 * does not wait for every other service to start; a stop cancels the waiting too.
 */
export function startHistoryConsumers(runtime: ServiceRuntime<UserDb>): void {
  for (const service of HISTORY_SOURCES) {
    let stopped = false;
    const started = waitForStream(runtime, service, () => stopped).then((exists) =>
      exists
        ? runtime.consume({
            name: historyConsumerName(service),
            stream: service,
            filterSubjects: [`evt.${service}.>`],
            handler: recordHistory({ db: runtime.db, service }),
          })
        : undefined,
    );
    started.catch((err: unknown) => runtime.logger.error({ err, service }, "history consumer did not start"));
    runtime.onStop(`history consumer ${service}`, async () => {
      stopped = true;
      const consumption = await started.catch(() => undefined);
      await consumption?.stop();
    });
  }
}

async function waitForStream(
  runtime: ServiceRuntime<UserDb>,
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
