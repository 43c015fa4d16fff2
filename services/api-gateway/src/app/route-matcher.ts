/**
 * Which methods a path accepts, for the 405 `Allow` header. Fastify's router answers "not found"
 * for a known path with another method; this index tells the two apart.
 */
export interface MethodIndex {
  /**
   * The registered path (Fastify form) that `path` matches, the most literal one when several do,
   * with the methods registered for any of them, sorted; undefined when no route matches it.
   */
  match(path: string): { readonly template: string; readonly allow: string[] } | undefined;
}

interface PathPattern {
  readonly fastifyPath: string;
  readonly parameters: number;
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
      const entry = byPath.get(fastifyPath) ?? {
        fastifyPath,
        parameters: fastifyPath.split("/:").length - 1,
        pattern: compile(fastifyPath),
        methods: new Set<string>(),
      };
      entry.methods.add(method);
      if (method === "GET") entry.methods.add("HEAD");
      byPath.set(fastifyPath, entry);
    },
    match(path) {
      const matching = [...byPath.values()].filter(({ pattern }) => pattern.test(path));
      const [best] = matching.sort((a, b) => a.parameters - b.parameters);
      if (best === undefined) return undefined;
      const allow = new Set(matching.flatMap(({ methods }) => [...methods]));
      return { template: best.fastifyPath, allow: [...allow].sort() };
    },
  };
}

/** Contract paths are OpenAPI-style (`/v1/projects/{projectId}`); Fastify wants `:projectId`. */
export function toFastifyPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
}

/** `/v1/projects/:projectId` → `/v1/projects/{projectId}`, the form the public contract uses. */
export function toOpenApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}
