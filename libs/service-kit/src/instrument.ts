/**
 * Preload that lets the instrumentations patch ES modules:
 * `node --import @tessera/service-kit/instrument src/main.ts`. Like `main.ts` it is an entry point,
 * so it reads the environment; with no `OTEL_EXPORTER_OTLP_ENDPOINT` it does nothing at all.
 * It imports only OpenTelemetry and the loader hook, never a library it is meant to patch.
 */
import { register } from "import-in-the-middle/register-hooks.mjs";
import { enableInstrumentations, INSTRUMENTED_MODULES } from "./instrumentations.ts";

if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  // In-thread hooks (module.registerHooks), limited to the modules the instrumentations patch.
  register({ include: INSTRUMENTED_MODULES });
  enableInstrumentations();
}
