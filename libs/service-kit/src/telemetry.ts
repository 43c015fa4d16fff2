import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { enableInstrumentations } from "./instrumentations.ts";

export interface TelemetryOptions {
  service: string;
  /** OTLP/HTTP endpoint, e.g. `http://otel-collector:4318`. Without it nothing is started. */
  endpoint?: string | undefined;
}

export interface Telemetry {
  /** True when traces are being exported. */
  readonly enabled: boolean;
  /** Flushes pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK exporting traces over OTLP/HTTP (JSON), only when an endpoint is
 * configured. The instrumentations are registered here too when the preload did not do it (a
 * service started in-process): then pg is traced, and only what the bus and the event store write
 * besides. Without an endpoint nothing is registered and every span in the code is a no-op.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  if (!opts.endpoint) return { enabled: false, shutdown: async () => {} };
  enableInstrumentations();
  const sdk = new NodeSDK({
    serviceName: opts.service,
    traceExporter: new OTLPTraceExporter({ url: `${opts.endpoint.replace(/\/+$/, "")}/v1/traces` }),
    instrumentations: [],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
