import { trace } from "@opentelemetry/api";
import { traceIdOf } from "@tessera/contracts";
import { type ErrorLogLine, redactSecrets } from "./logger.ts";

export interface ErrorReportingOptions {
  service: string;
  /** Sentry DSN, e.g. `https://<key>@o0.ingest.sentry.io/<project>`. Without it nothing is reported. */
  dsn?: string | undefined;
}

export interface ErrorReporter {
  /** True when errors are sent to Sentry. */
  readonly enabled: boolean;
  /** Sends one error with the request id, the service and the trace id as tags. */
  report(line: ErrorLogLine): void;
  /** Sends what is pending, within `timeoutMs`, and stops. */
  close(timeoutMs?: number): Promise<void>;
}

const disabled: ErrorReporter = { enabled: false, report() {}, close: async () => {} };

/**
 * Sentry for the errors a service logs at error level: 5xx answers, unexpected handler errors,
 * consumers giving up; and for uncaught exceptions and unhandled rejections. Every event passes
 * the logs' redaction first. No default integration runs, so nothing but the DSN is ever called
 * (no client reports, no sessions, no tracing: traces go to OpenTelemetry). The SDK is loaded only
 * when a DSN is set.
 */
export async function startErrorReporting(options: ErrorReportingOptions): Promise<ErrorReporter> {
  if (!options.dsn) return disabled;
  const Sentry = await import("@sentry/node");
  const client = Sentry.init({
    dsn: options.dsn,
    defaultIntegrations: false,
    integrations: [
      Sentry.onUncaughtExceptionIntegration(),
      // "strict" exits as Node does without a listener: a listener alone would keep the process alive.
      Sentry.onUnhandledRejectionIntegration({ mode: "strict" }),
      Sentry.linkedErrorsIntegration(),
    ],
    // Traces belong to the OpenTelemetry SDK; Sentry neither registers a tracer provider nor patches modules.
    enableOpenTelemetrySetup: false,
    enableRuntimeChannelInjection: false,
    sendClientReports: false,
    initialScope: { tags: { service: options.service } },
    beforeSend: (event) => redactSecrets(event),
  });
  return {
    enabled: true,
    report({ error, message, fields }) {
      const tags = reportTags(options.service, fields);
      const extra = Object.fromEntries(
        Object.entries(fields).filter(([key]) => key !== "err" && key !== "error"),
      );
      if (error instanceof Error) Sentry.captureException(error, { tags, extra });
      else Sentry.captureMessage(message ?? "error logged", { level: "error", tags, extra });
    },
    close: async (timeoutMs = 2_000) => {
      await client?.close(timeoutMs);
    },
  };
}

function reportTags(service: string, fields: Record<string, unknown>): Record<string, string> {
  const span = trace.getActiveSpan();
  const traceparent = typeof fields.traceparent === "string" ? fields.traceparent : undefined;
  const traceId = span?.isRecording() ? span.spanContext().traceId : traceIdOf(traceparent);
  const requestId = typeof fields.requestId === "string" ? fields.requestId : undefined;
  return { service, ...(requestId ? { requestId } : {}), ...(traceId ? { traceId } : {}) };
}
