import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { loadServices, repoRoot } from "../services.ts";

const manifest = loadServices();
const read = (path: string): string => readFileSync(join(repoRoot, path), "utf8");

interface BuildContext {
  dependencies: string[];
  sources: string[];
}
const buildContext = JSON.parse(read("deploy/docker/build-context.json")) as BuildContext;

/** `only=` of one service's docker_build, made as tilt/tessera.tiltfile makes it. */
function tiltOnly(service: string): string[] {
  const libManifests = readdirSync(join(repoRoot, "libs"))
    .map((lib) => `libs/${lib}/package.json`)
    .filter((path) => existsSync(join(repoRoot, path)));
  const serviceManifests = manifest.services.map((s) => `services/${s.name}/package.json`);
  return [
    ...buildContext.dependencies,
    ...libManifests,
    ...serviceManifests,
    ...buildContext.sources,
    `services/${service}`,
  ];
}

/** Context paths the Dockerfile's COPY instructions read (not `--from` another stage), SERVICE substituted. */
function copySources(dockerfile: string, service: string): string[] {
  return DockerfileParser.parse(dockerfile)
    .getCOPYs()
    .filter((copy) => copy.getFromFlag() === null)
    .flatMap((copy) => copy.getArguments().slice(0, -1))
    .map((argument) =>
      argument
        .getValue()
        .replace(/\$\{SERVICE\}|\$SERVICE\b/g, service)
        .replace(/^\.\//, "")
        .replace(/\/$/, ""),
    );
}

const inside = (path: string, entry: string): boolean => path === entry || path.startsWith(`${entry}/`);

/**
 * Whether Tilt sends what `COPY <source>` needs: a file must be inside an only= entry; a folder may
 * also be sent in part (the manifests stage copies `services`, of which only= holds the package.json
 * files and the one service built).
 */
function covered(source: string, only: string[]): boolean {
  if (only.some((entry) => inside(source, entry))) return true;
  const isFolder = existsSync(join(repoRoot, source)) && statSync(join(repoRoot, source)).isDirectory();
  return isFolder && only.some((entry) => inside(entry, source));
}

describe("Tilt's image builds", () => {
  const dockerfile = read("deploy/docker/Dockerfile");
  const helpers = read("tilt/tessera.tiltfile");

  it("make docker_build's only= from deploy/docker/build-context.json", () => {
    expect(helpers).toContain("read_json('deploy/docker/build-context.json')");
    expect(helpers).toContain("only=dependencies + BUILD_CONTEXT['sources'] + [src]");
    expect(helpers).toContain("return BUILD_CONTEXT['dependencies'] + _lib_manifests() + service_manifests");
    expect(helpers).toContain("fall_back_on(dependencies)");
  });

  it("finds the Dockerfile's COPY sources with a Dockerfile parser", () => {
    const sources = copySources(dockerfile, "auth");
    expect(sources).toContain("deploy/local/npm-ci.sh");
    expect(sources).toContain("services/auth");
    expect(sources).not.toContain("/src");
  });

  it.each(manifest.services.map((s) => [s.name]))(
    "sends %s's build every file the Dockerfile copies",
    (service) => {
      const only = tiltOnly(service);
      const missing = copySources(dockerfile, service).filter((source) => !covered(source, only));
      expect(missing).toEqual([]);
    },
  );

  it("lists only paths that exist", () => {
    for (const path of [...buildContext.dependencies, ...buildContext.sources]) {
      expect(existsSync(join(repoRoot, path)), path).toBe(true);
    }
  });

  it("forwards the gateway with a link to /docs and NATS's monitoring port", () => {
    expect(helpers).toMatch(/link\(base \+ '\/docs', 'API docs'\)/);
    expect(helpers).toContain("NATS_MONITOR_PORT = 8222");
    expect(helpers).toMatch(/port_forward\(NATS_MONITOR_PORT, NATS_MONITOR_PORT/);
    const infra = read("deploy/k8s/overlays/dev/infra.yaml");
    expect(infra).toMatch(/"-m", "8222"/);
    expect(infra).toMatch(/containerPort: 8222/);
  });
});
