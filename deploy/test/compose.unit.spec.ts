import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { baseServiceConfig, parseConfig } from "@tessera/service-kit";
import { serverContainer } from "@tessera/testing/containers";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { generate, INFRA_IMAGES, TRACING } from "../generate.ts";
import { loadServices, repoRoot } from "../services.ts";

const manifest = loadServices();
const read = (path: string): string => readFileSync(join(repoRoot, path), "utf8");

/**
 * Where a YAML 1.1 reader (kubectl's sigs.k8s.io/yaml, older Compose tools, PyYAML) sees another type
 * than the YAML 1.2 core schema the files are written for: `no` turns into false, `010` into 8,
 * `1:20` into 80.
 */
function typeChanges(path: string, modern: unknown, legacy: unknown): string[] {
  if (modern !== null && typeof modern === "object") {
    if (legacy === null || typeof legacy !== "object") return [`${path}: ${JSON.stringify(modern)}`];
    return Object.entries(modern).flatMap(([key, value]) =>
      typeChanges(`${path}.${key}`, value, (legacy as Record<string, unknown>)[key]),
    );
  }
  return typeof modern === typeof legacy ? [] : [`${path}: ${JSON.stringify(modern)} → ${String(legacy)}`];
}

const changesIn = (path: string, text: string): string[] => {
  const modern = parseAllDocuments(text).map((doc) => doc.toJS());
  const legacy = parseAllDocuments(text, { version: "1.1" }).map((doc) => doc.toJS());
  return typeChanges(path, modern, legacy);
};

const handWrittenYaml = ["deploy/k8s/overlays", "deploy/otel"].flatMap((dir) =>
  readdirSync(join(repoRoot, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => `${dir}/${file}`),
);

describe("YAML read by YAML 1.1 tools", () => {
  it("finds a string that a YAML 1.1 reader turns into a boolean", () => {
    expect(changesIn("t", "command: [redis-server, --appendonly, no]\n")).toEqual([
      't.0.command.2: "no" → false',
    ]);
    expect(changesIn("t", 'command: [redis-server, --appendonly, "no"]\n')).toEqual([]);
  });

  it.each([...generate()].filter(([path]) => /\.ya?ml$/.test(path)))(
    "generated %s keeps every value's type",
    (path, text) => {
      expect(changesIn(path, text)).toEqual([]);
    },
  );

  it.each(handWrittenYaml)("%s keeps every value's type", (path) => {
    expect(changesIn(path, read(path))).toEqual([]);
  });
});

interface ComposeService {
  image?: string;
  profiles?: string[];
  command?: string[];
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
}

describe("docker-compose.yml's tracing profile", () => {
  const compose = parse(read("docker-compose.yml")) as { services: Record<string, ComposeService> };
  const collector = compose.services["otel-collector"];
  const jaeger = compose.services.jaeger;

  it("runs an OpenTelemetry collector and Jaeger only with --profile tracing", () => {
    expect(collector?.image).toBe(TRACING.collectorImage);
    expect(jaeger?.image).toBe(TRACING.jaegerImage);
    for (const [name, entry] of Object.entries(compose.services)) {
      const traced = name === "otel-collector" || name === "jaeger";
      expect(entry.profiles, name).toEqual(traced ? [TRACING.profile] : undefined);
      // A service without the profile may not wait for one with it: Compose refuses to start then.
      if (!traced) expect(Object.keys(entry.depends_on ?? {}), name).not.toContain("otel-collector");
    }
    expect(jaeger?.ports).toContain(`${TRACING.jaegerUiPort}:${TRACING.jaegerUiPort}`);
  });

  it("points every service at the endpoint given for the profile, and at none without it", () => {
    for (const service of manifest.services) {
      expect(compose.services[service.name]?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
        `\${${TRACING.endpointVariable}:-}`,
      );
    }
    // Unset, `${VAR:-}` is an empty string, which the services read as no endpoint: tracing off.
    expect(
      parseConfig(baseServiceConfig, { OTEL_EXPORTER_OTLP_ENDPOINT: "" }).OTEL_EXPORTER_OTLP_ENDPOINT,
    ).toBe(undefined);
    expect(
      parseConfig(baseServiceConfig, { OTEL_EXPORTER_OTLP_ENDPOINT: TRACING.collectorEndpoint })
        .OTEL_EXPORTER_OTLP_ENDPOINT,
    ).toBe(TRACING.collectorEndpoint);
  });

  it("gives the collector deploy/otel/collector.yaml, receiving where the services send and exporting to Jaeger", () => {
    expect(existsSync(join(repoRoot, TRACING.collectorConfig))).toBe(true);
    expect(collector?.volumes).toContain(`./${TRACING.collectorConfig}:/etc/otelcol/config.yaml:ro`);
    expect(collector?.command).toEqual(["--config=/etc/otelcol/config.yaml"]);
    const config = parse(read(TRACING.collectorConfig)) as {
      receivers: Record<string, { protocols: { http: { endpoint: string } } }>;
      processors: Record<string, unknown>;
      exporters: Record<string, { endpoint: string }>;
      service: {
        pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
      };
    };
    const endpoint = new URL(TRACING.collectorEndpoint);
    expect(Object.keys(compose.services)).toContain(endpoint.hostname);
    expect(config.receivers.otlp?.protocols.http.endpoint).toBe(`0.0.0.0:${endpoint.port}`);
    const traces = config.service.pipelines.traces!;
    for (const name of traces.receivers) expect(config.receivers[name], name).toBeDefined();
    for (const name of traces.processors) expect(config.processors[name], name).toBeDefined();
    for (const name of traces.exporters) {
      const host = config.exporters[name]?.endpoint.split(":")[0];
      expect(Object.keys(compose.services), name).toContain(host);
    }
  });
});

describe("the test suite's containers (libs/testing, where no local server answers)", () => {
  it.each(["postgres", "nats", "redis"] as const)("run %s from the image Compose runs", (server) => {
    expect(serverContainer(server, "x://127.0.0.1:1/postgres").image).toBe(INFRA_IMAGES[server]);
  });
});
