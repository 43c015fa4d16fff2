import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { InternalError } from "@tessera/contracts";
import type { FastifyInstance } from "fastify";

/**
 * The documentation pages' policy: code, styles and data from this origin only (no CDN, no inline
 * script, no eval). Both renderers set styles from their scripts, so `style-src` also allows
 * inline styles, on these pages alone (decision 0071); the API itself keeps `API_CSP`.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const require = createRequire(import.meta.url);
const own = (name: string): string => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));
/** Scalar's package exports no path to its browser bundle; it sits beside its entry, in `dist/`. */
const scalarBundle = (): string =>
  fileURLToPath(new URL("./browser/standalone.js", import.meta.resolve("@scalar/api-reference")));
const asyncApiFile = (path: string): string => require.resolve(`@asyncapi/react-component/${path}`);

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** Each page and the files it loads: the renderers' bundles come from node_modules, read once. */
function pageFiles(): readonly (readonly [url: string, file: string, type: string])[] {
  return [
    ["/docs", own("openapi.html"), HTML],
    ["/docs/setup.js", own("setup.js"), JS],
    ["/docs/scalar.js", scalarBundle(), JS],
    ["/asyncapi/asyncapi.css", asyncApiFile("styles/default.min.css"), CSS],
  ];
}

/**
 * The catalog's page: the AsyncAPI React component rendered on the server, so the browser runs no
 * script (the component's browser bundle compiles validators with eval at load, which the CSP
 * refuses). Rendered in a worker on the first request, once: seconds of CPU that a gateway whose
 * catalog nobody reads never spends, and that never stall its event loop.
 */
function catalogPage(asyncApi: object): () => Promise<string> {
  const shell = readFileSync(own("asyncapi.html"), "utf8");
  let page: Promise<string> | undefined;
  const render = () =>
    new Promise<string>((resolve, reject) => {
      const worker = new Worker(new URL("./asyncapi-page.worker.ts", import.meta.url), {
        workerData: JSON.stringify(asyncApi),
      });
      worker.unref(); // a render under way does not hold up the gateway's exit
      worker.once("message", (html: unknown) => resolve(shell.replace("<!--catalog-->", String(html))));
      worker.once("error", reject);
      worker.once("exit", (code) =>
        reject(new InternalError({ cause: new Error(`catalog worker exited ${code}`) })),
      );
    });
  return () => {
    page ??= render().catch((error: unknown) => {
      page = undefined;
      throw error;
    });
    return page;
  };
}

/**
 * `/openapi.json` and `/docs` (Scalar's API reference of it, with try-it-out); `/asyncapi.json`,
 * the bus's event and operation catalog, and `/asyncapi` (the AsyncAPI React component's page).
 */
export function registerDocsRoutes(
  app: FastifyInstance,
  deps: { document: object; asyncApi: object; onRegister: (method: string, path: string) => void },
): void {
  const documents = [
    ["/openapi.json", JSON.stringify(deps.document)],
    ["/asyncapi.json", JSON.stringify(deps.asyncApi)],
  ] as const;
  for (const [url, body] of documents) {
    deps.onRegister("GET", url);
    app.get(url, async (_request, reply) =>
      reply
        .header("content-type", "application/json; charset=utf-8")
        .header("cache-control", "no-cache")
        .send(body),
    );
  }
  const catalog = catalogPage(deps.asyncApi);
  deps.onRegister("GET", "/asyncapi");
  app.get("/asyncapi", async (_request, reply) =>
    reply
      .header("content-type", HTML)
      .header("content-security-policy", DOCS_CSP)
      .header("cache-control", "no-cache")
      .send(await catalog()),
  );
  for (const [url, file, type] of pageFiles()) {
    const body = readFileSync(file);
    deps.onRegister("GET", url);
    app.get(url, async (_request, reply) =>
      reply
        .header("content-type", type)
        .header("content-security-policy", DOCS_CSP)
        .header("cache-control", "no-cache")
        .send(body),
    );
  }
}
