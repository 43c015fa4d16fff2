// Runs before Scalar's bundle. Scalar validates its configuration with zod, which probes for eval
// (`Function("")`) unless told to run jitless; this page's CSP allows no eval, so the probe would
// be a reported violation for nothing.
globalThis.__zod_globalConfig = { ...globalThis.__zod_globalConfig, jitless: true };
