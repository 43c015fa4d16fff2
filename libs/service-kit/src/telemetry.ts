import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";

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

/** Starts the OpenTelemetry SDK exporting traces over OTLP/HTTP, only when an endpoint is configured. */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  if (!opts.endpoint) return { enabled: false, shutdown: async () => {} };
  const sdk = new NodeSDK({
    serviceName: opts.service,
    traceExporter: new OTLPTraceExporter({ url: `${opts.endpoint.replace(/\/+$/, "")}/v1/traces` }),
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
