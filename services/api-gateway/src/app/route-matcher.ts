/**
 * Which methods a path accepts, for the 405 `Allow` header. Fastify's router answers "not found"
 * for a known path with another method; this index tells the two apart.
 */
export interface MethodIndex {
  /** Methods registered for a path matching `path`, sorted; empty when no route matches it. */
  allowedMethods(path: string): string[];
}

interface PathPattern {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `/v1/projects/:projectId` → a RegExp matching one non-empty segment per parameter. */
function compile(fastifyPath: string): RegExp {
  const source = fastifyPath
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : escapeRegExp(segment)))
    .join("/");
  return new RegExp(`^${source}$`);
}

export function createMethodIndex(): MethodIndex & { add(method: string, fastifyPath: string): void } {
  const byPath = new Map<string, PathPattern>();
  return {
    add(method, fastifyPath) {
      const entry = byPath.get(fastifyPath) ?? { pattern: compile(fastifyPath), methods: new Set<string>() };
      entry.methods.add(method);
      if (method === "GET") entry.methods.add("HEAD");
      byPath.set(fastifyPath, entry);
    },
    allowedMethods(path) {
      const allowed = new Set<string>();
      for (const { pattern, methods } of byPath.values()) {
        if (pattern.test(path)) for (const method of methods) allowed.add(method);
      }
      return [...allowed].sort();
    },
  };
}

/** Contract paths are OpenAPI-style (`/v1/projects/{projectId}`); Fastify wants `:projectId`. */
export function toFastifyPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
}
