import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";

/** Only the page's own script, style and the spec on this origin: no CDN, no inline code. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const asset = (name: string): string => readFileSync(new URL(`../docs/${name}`, import.meta.url), "utf8");

/**
 * `/openapi.json` and `/docs` (a small self-contained renderer of it, served from this package);
 * `/asyncapi.json`, the bus's event and operation catalog.
 */
export function registerDocsRoutes(
  app: FastifyInstance,
  deps: { document: object; asyncApi: object; onRegister: (method: string, path: string) => void },
): void {
  const spec = JSON.stringify(deps.document);
  const catalog = JSON.stringify(deps.asyncApi);
  const files = [
    ["/docs", asset("index.html"), "text/html; charset=utf-8"],
    ["/docs/docs.js", asset("docs.js"), "text/javascript; charset=utf-8"],
    ["/docs/docs.css", asset("docs.css"), "text/css; charset=utf-8"],
  ] as const;
  deps.onRegister("GET", "/openapi.json");
  app.get("/openapi.json", async (_request, reply) =>
    reply
      .header("content-type", "application/json; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(spec),
  );
  deps.onRegister("GET", "/asyncapi.json");
  app.get("/asyncapi.json", async (_request, reply) =>
    reply
      .header("content-type", "application/json; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(catalog),
  );
  for (const [url, body, type] of files) {
    deps.onRegister("GET", url);
    app.get(url, async (_request, reply) =>
      reply.header("content-type", type).header("content-security-policy", DOCS_CSP).send(body),
    );
  }
}
