import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KindGuard, Type, type TObject, type TSchema } from '@sinclair/typebox';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommonEnv, parseEnv } from '../common/config.js';
import { PumpEnv, pumpConfigFromEnv } from '../data-pump/pump-config.js';
import { ReaderEnv, readerConfigFromEnv } from '../data-reader/reader-config.js';
import { WriterEnv, writerConfigFromEnv } from '../data-writer/writer-config.js';
import { GridEnv, gridConfigFromEnv } from '../messaging-grid/grid-config.js';
import { UnitEnv, unitConfigFromEnv } from '../processing-unit/unit-config.js';

/**
 * compose.yaml and deploy/k8s: deploy/validate.sh accepts them (Compose's own check, kustomize, the
 * Kubernetes schemas), and every process in them gets the environment its configuration loader
 * needs: the variables without a default, and those whose default is a loopback address (a database
 * or member on 127.0.0.1 is nobody in a container) that the process actually uses. The loader of
 * each process must accept what it is given, as its `main.ts` would.
 */

type Env = Record<string, string>;
type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Part {
  readonly schema: TObject;
  /** What the part's `main.ts` does with its environment; throws ConfigError when it would exit. */
  load(env: Env): unknown;
}

/** deploy-manager/migrate-main.ts parses exactly these two. */
const MigrateEnv = Type.Object({ LOG_LEVEL: CommonEnv.LOG_LEVEL, DATABASE_URL: CommonEnv.DATABASE_URL });

/** Each entry point of the image, by its script, with the schema and loader its `main.ts` uses. */
const PARTS: Record<string, Part> = {
  'dist/processing-unit/main.js': { schema: UnitEnv, load: (e) => unitConfigFromEnv(parseEnv(UnitEnv, e)) },
  'dist/messaging-grid/main.js': { schema: GridEnv, load: (e) => gridConfigFromEnv(parseEnv(GridEnv, e)) },
  'dist/data-pump/main.js': { schema: PumpEnv, load: (e) => pumpConfigFromEnv(parseEnv(PumpEnv, e)) },
  'dist/data-writer/main.js': { schema: WriterEnv, load: (e) => writerConfigFromEnv(parseEnv(WriterEnv, e)) },
  'dist/data-reader/main.js': { schema: ReaderEnv, load: (e) => readerConfigFromEnv(parseEnv(ReaderEnv, e)) },
  'dist/deploy-manager/migrate-main.js': { schema: MigrateEnv, load: (e) => parseEnv(MigrateEnv, e) },
};
const ONE_SHOT = 'dist/deploy-manager/migrate-main.js';
/** common/run-process.ts ends a process that has not closed this long after SIGTERM. */
const SHUTDOWN_LIMIT_S = 30;
const PROJECT_MEMBER_YAML = 'deploy-manager/hazelcast/member.yaml';
const K8S_MEMBER_YAML = 'deploy/k8s/base/hazelcast/member.yaml';

const LOOPBACK = /(^|[/@,:\s])(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)([:/,\s]|$)/;

/** The variables a part cannot run in a container without. */
function neededVariables(part: Part): { required: string[]; notLoopback: string[] } {
  const properties = Object.entries(part.schema.properties) as Array<[string, TSchema]>;
  const required = properties
    .filter(([, schema]) => schema.default === undefined && !KindGuard.IsOptional(schema))
    .map(([name]) => name);
  // Every optional string set, so that the loader gets past its own rules (a token beyond loopback).
  const baseline: Env = Object.fromEntries(
    properties
      .filter(([, schema]) => KindGuard.IsOptional(schema) && schema.type === 'string')
      .map(([name]) => [name, 'placeholder-value-0123456789']),
  );
  const sentinel = 'http://sentinel-host:1';
  const notLoopback = properties
    .filter(([, schema]) => typeof schema.default === 'string' && LOOPBACK.test(schema.default))
    .map(([name]) => name)
    .filter((name) => JSON.stringify(part.load({ ...baseline, [name]: sentinel })).includes('sentinel-host'));
  return { required, notLoopback };
}

/** `host` of every `scheme://host...` or `host:port` in a value (HZ_MEMBERS, *_URL(S)). */
function hostsIn(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.includes(':'))
    .map((item) => (item.includes('://') ? new URL(item).hostname : item.split(':')[0]!));
}

interface Process {
  where: string;
  script: string;
  env: Env;
}

/** Checks one process's environment; `resolves(host)` says whether a host name is one of the deployment's. */
function checkProcess(p: Process, resolves: (host: string, variable: string) => boolean): string[] {
  const part = PARTS[p.script];
  if (part === undefined) return [`${p.where}: runs ${p.script}, which this test does not know`];
  const problems: string[] = [];
  const { required, notLoopback } = neededVariables(part);
  for (const name of required) if (!p.env[name]) problems.push(`${p.where}: ${name} is not set`);
  for (const name of notLoopback) {
    const value = p.env[name];
    if (!value) problems.push(`${p.where}: ${name} is not set (its default is loopback)`);
    else if (LOOPBACK.test(value)) problems.push(`${p.where}: ${name}=${value} is loopback`);
    else
      for (const host of hostsIn(value))
        if (!resolves(host, name))
          problems.push(`${p.where}: ${name} names ${host}, which is not in the deployment`);
  }
  try {
    part.load(p.env);
  } catch (err) {
    problems.push(`${p.where}: its configuration is refused: ${(err as Error).message}`);
  }
  return problems;
}

function scriptOf(command: unknown): string | undefined {
  const text = Array.isArray(command) ? command.join(' ') : String(command ?? '');
  return /dist\/[\w-]+\/[\w-]+\.js/.exec(text)?.[0];
}

/** `-Dname=` properties a member is started with must fill every `${spacegrid.*}` of its member.yaml. */
function missingMemberProperties(memberYaml: string, startedWith: string): string[] {
  const placeholders = new Set([...memberYaml.matchAll(/\$\{(spacegrid\.[\w.-]+)\}/g)].map((m) => m[1]!));
  return [...placeholders].filter((name) => !startedWith.includes(`-D${name}=`));
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result;
}

function seconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g))
    total +=
      Number(n) * { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 }[unit as 'h' | 'm' | 's' | 'ms' | 'us'];
  return total;
}

const TOOLS = [
  {
    command: 'docker-compose',
    args: ['version'],
    missing:
      'docker-compose is missing: install it (apt-get install --no-install-recommends docker-compose); it checks compose.yaml without a Docker engine',
  },
  {
    command: 'kubectl',
    args: ['version', '--client'],
    missing:
      'kubectl is missing: install kubectl 1.27 or newer (it renders deploy/k8s with its built-in kustomize v5)',
  },
];

beforeAll(() => {
  const missing = TOOLS.filter(({ command, args }) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    return result.error !== undefined || result.status !== 0;
  }).map((tool) => tool.missing);
  if (missing.length > 0) throw new Error(`the deployment checks need:\n- ${missing.join('\n- ')}`);
});

describe('deploy/validate.sh', () => {
  // docker-compose (Python) and the schema modules are slow to start on a busy machine.
  it('accepts compose.yaml and every kustomization under deploy/k8s', { timeout: 120_000 }, () => {
    const result = run('bash', ['deploy/validate.sh']);
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/\d+ Kubernetes manifests match their schemas/);
  });
});

describe('compose.yaml', () => {
  let scratch = '';
  let services: Record<string, Manifest> = {};
  // Only what the test gives: no LOG_LEVEL of the machine running it, and an empty .env file.
  const compose = (args: string[], adminToken: string) =>
    run('docker-compose', ['--env-file', join(scratch, '.env'), '-f', 'compose.yaml', ...args], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ADMIN_TOKEN: adminToken,
    });

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'compose-check-'));
    writeFileSync(join(scratch, '.env'), '');
    const result = compose(['config'], 'compose-check-token-0123456789');
    expect(result.status, result.stderr).toBe(0);
    // `config` writes every `$` of the file as `$$`; the containers see one.
    const rendered = parse(result.stdout.replaceAll('$$', '$')) as { services: Record<string, Manifest> };
    services = rendered.services;
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const processes = (): Array<Process & { name: string; service: Manifest }> =>
    Object.entries(services).flatMap(([name, service]) => {
      const script = scriptOf(service.command);
      if (script === undefined) return [];
      const env: Env = { ...(service.environment as Env) };
      // A `sh -c` command may compute variables (the units' own address) before it execs node.
      const shell =
        Array.isArray(service.command) && service.command[0] === 'sh' ? service.command.at(-1) : '';
      for (const [, name, value] of String(shell).matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=(\S+)/g))
        env[name!] = value!;
      return [{ name, service, where: `compose.yaml ${name}`, script, env }];
    });

  it('wants ADMIN_TOKEN from the environment', { timeout: 60_000 }, () => {
    const result = compose(['config', '-q'], '');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('ADMIN_TOKEN');
  });

  it('runs every part of the system', () => {
    expect(new Set(processes().map((p) => p.script))).toEqual(new Set(Object.keys(PARTS)));
  });

  it('gives every process the environment its configuration needs', () => {
    const problems = processes().flatMap((p) => checkProcess(p, (host) => host in services));
    expect(problems).toEqual([]);
  });

  it('checks the health of every long-running process, and stops it after its drain', () => {
    const problems: string[] = [];
    for (const { where, script, env, service } of processes()) {
      if (script === ONE_SHOT) {
        if (service.restart !== 'no') problems.push(`${where}: a one-shot job must not restart`);
        continue;
      }
      const test = [service.healthcheck?.test ?? []].flat().join(' ');
      if (!test.includes(`:${env.PORT}/readyz`)) problems.push(`${where}: no health check on /readyz`);
      if (!['always', 'unless-stopped', 'on-failure'].includes(service.restart))
        problems.push(`${where}: no restart policy`);
      if (seconds(String(service.stop_grace_period ?? '10s')) <= SHUTDOWN_LIMIT_S)
        problems.push(`${where}: stop_grace_period is not longer than the ${SHUTDOWN_LIMIT_S} s drain`);
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {}) as Array<
        [string, { condition: string }]
      >) {
        const expected = services[dependency]?.healthcheck
          ? 'service_healthy'
          : 'service_completed_successfully';
        if (condition !== expected) problems.push(`${where}: depends on ${dependency} with ${condition}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lets the units scale: no fixed name or host port, and the grid discovers them by service name', () => {
    const unit = processes().find((p) => p.script === 'dist/processing-unit/main.js')!;
    expect(unit.service.container_name).toBeUndefined();
    expect(unit.service.ports).toBeUndefined();
    const grid = processes().find((p) => p.script === 'dist/messaging-grid/main.js')!;
    expect(hostsIn(grid.env.UNIT_URLS!)).toEqual([unit.name]);
    // Docker's DNS answers the service name with every container: each one a unit of the grid.
    expect(grid.env.UNIT_DISCOVERY).toBe('dns');
    expect(grid.service.ports).toEqual([expect.objectContaining({ target: 8080 })]);
  });

  it('runs 3 Hazelcast members with the project member.yaml and every property it needs', () => {
    const members = Object.entries(services).filter(([, s]) =>
      String(s.image).startsWith('hazelcast/hazelcast:'),
    );
    expect(members.map(([name]) => name)).toHaveLength(3);
    const memberYaml = readFileSync(PROJECT_MEMBER_YAML, 'utf8');
    const clientsSee = processes().find((p) => p.script === 'dist/data-pump/main.js')!.env.HZ_MEMBERS!;
    for (const [name, member] of members) {
      const startedWith = `${member.environment?.JAVA_OPTS ?? ''} ${[member.command].flat().join(' ')}`;
      // The image's `hz start` loads the file HAZELCAST_CONFIG names.
      const config = member.environment?.HAZELCAST_CONFIG;
      expect(member.volumes, name).toContain(`${resolve(PROJECT_MEMBER_YAML)}:${config}:ro`);
      expect(missingMemberProperties(memberYaml, startedWith), name).toEqual([]);
      expect(
        Object.keys(member.environment ?? {}).filter((v) => /^HZ(CLIENT)?_/.test(v)),
        name,
      ).toEqual([]);
      expect(hostsIn(clientsSee)).toContain(name);
      expect(startedWith).toMatch(new RegExp(`-Dspacegrid\\.hz\\.members=\\S*\\b${name}:5701`));
    }
  });
});

describe('deploy/k8s', () => {
  const renders: Record<string, Manifest[]> = {};

  beforeAll(() => {
    for (const dir of ['deploy/k8s', 'deploy/k8s/overlays/with-datastores']) {
      const result = run('kubectl', ['kustomize', dir]);
      expect(result.status, result.stderr).toBe(0);
      renders[dir] = parseAllDocuments(result.stdout)
        .map((d) => d.toJS() as Manifest)
        .filter(Boolean);
    }
  });

  const find = (objects: Manifest[], kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const workloads = (objects: Manifest[]) =>
    objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind));
  const containers = (objects: Manifest[]) =>
    workloads(objects).flatMap((w) =>
      (w.spec.template.spec.containers as Manifest[]).map((c) => ({ workload: w, container: c })),
    );

  /** A container's environment as the kubelet gives it, with Secret values the operator has not set yet made up. */
  function containerEnv(objects: Manifest[], container: Manifest, where: string, problems: string[]): Env {
    const env: Env = {};
    const secretValue = (name: string, key: string): string => {
      const secret = find(objects, 'Secret', name);
      const encoded = secret?.data?.[key] as string | undefined;
      const plain =
        (secret?.stringData?.[key] as string | undefined) ??
        (encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8'));
      if (plain === undefined) problems.push(`${where}: Secret ${name} has no ${key}`);
      return plain || `set-by-the-operator-${key.toLowerCase()}`;
    };
    const configValue = (name: string, key: string): string => {
      const value = find(objects, 'ConfigMap', name)?.data?.[key] as string | undefined;
      if (value === undefined) problems.push(`${where}: ConfigMap ${name} has no ${key}`);
      return value ?? '';
    };
    const fields: Env = { 'status.podIP': '10.0.0.17', 'metadata.name': 'unit-7c9d8f-x2k4q' };
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef) {
        const data = find(objects, 'ConfigMap', from.configMapRef.name)?.data;
        if (!data) problems.push(`${where}: no ConfigMap ${from.configMapRef.name}`);
        Object.assign(env, data);
      }
      if (from.secretRef) {
        const secret = find(objects, 'Secret', from.secretRef.name);
        for (const key of Object.keys({ ...secret?.data, ...secret?.stringData }))
          env[key] = secretValue(from.secretRef.name, key);
      }
    }
    for (const variable of container.env ?? []) {
      const from = variable.valueFrom;
      if (from?.secretKeyRef) env[variable.name] = secretValue(from.secretKeyRef.name, from.secretKeyRef.key);
      else if (from?.configMapKeyRef)
        env[variable.name] = configValue(from.configMapKeyRef.name, from.configMapKeyRef.key);
      else if (from?.fieldRef) env[variable.name] = fields[from.fieldRef.fieldPath] ?? '';
      else
        env[variable.name] = String(variable.value ?? '').replace(
          /\$\(([A-Za-z_]\w*)\)/g,
          (m, n: string) => env[n] ?? m,
        );
    }
    return env;
  }

  /** Service names, and `<pod>.<headless service>` for the pods of a StatefulSet. */
  function resolver(objects: Manifest[], external: readonly string[]) {
    const services = new Set(
      objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name as string),
    );
    const pods = new Set(
      objects
        .filter((o) => o.kind === 'StatefulSet')
        .flatMap((s) =>
          Array.from(
            { length: s.spec.replicas ?? 1 },
            (_, i) => `${s.metadata.name}-${i}.${s.spec.serviceName}`,
          ),
        ),
    );
    return (host: string, variable: string) =>
      services.has(host) || pods.has(host) || external.includes(variable);
  }

  const processes = (objects: Manifest[], dir: string, problems: string[]) =>
    containers(objects).flatMap(({ workload, container }) => {
      const script = scriptOf([...(container.command ?? []), ...(container.args ?? [])]);
      if (script === undefined) return [];
      const where = `${dir} ${workload.kind}/${workload.metadata.name}`;
      return [{ workload, container, where, script, env: containerEnv(objects, container, where, problems) }];
    });

  it('runs every part of the system', () => {
    for (const [dir, objects] of Object.entries(renders))
      expect(new Set(processes(objects, dir, []).map((p) => p.script)), dir).toEqual(
        new Set(Object.keys(PARTS)),
      );
  });

  it('gives every process the environment its configuration needs', () => {
    const problems: string[] = [];
    for (const [dir, objects] of Object.entries(renders)) {
      // Without the overlay, Postgres and Redis are outside the manifests.
      const resolves = resolver(objects, dir === 'deploy/k8s' ? ['DATABASE_URL', 'REDIS_URL'] : []);
      for (const p of processes(objects, dir, problems)) problems.push(...checkProcess(p, resolves));
    }
    expect(problems).toEqual([]);
  });

  it('probes, sizes and stops every long-running process after its drain', () => {
    const problems: string[] = [];
    for (const { workload, container, where, script, env } of processes(
      renders['deploy/k8s']!,
      'deploy/k8s',
      [],
    )) {
      for (const kind of ['cpu', 'memory'])
        for (const bound of ['requests', 'limits'])
          if (!container.resources?.[bound]?.[kind]) problems.push(`${where}: no ${kind} ${bound}`);
      if (script === ONE_SHOT) {
        if (workload.kind !== 'Job') problems.push(`${where}: the migrations are a Job`);
        continue;
      }
      const port = (probe: Manifest | undefined) => {
        const named = (container.ports ?? []).find((p: Manifest) => p.name === probe?.httpGet?.port);
        return String(named?.containerPort ?? probe?.httpGet?.port);
      };
      for (const [probe, path] of [
        ['readinessProbe', '/readyz'],
        ['livenessProbe', '/healthz'],
      ] as const) {
        if (container[probe]?.httpGet?.path !== path || port(container[probe]) !== env.PORT)
          problems.push(`${where}: ${probe} is not GET ${path} on port ${env.PORT}`);
      }
      if ((workload.spec.template.spec.terminationGracePeriodSeconds ?? 30) <= SHUTDOWN_LIMIT_S)
        problems.push(
          `${where}: terminationGracePeriodSeconds is not longer than the ${SHUTDOWN_LIMIT_S} s drain`,
        );
    }
    expect(problems).toEqual([]);
  });

  it('scales the units with a HorizontalPodAutoscaler, which the grid discovers, and puts it behind a Service', () => {
    const objects = renders['deploy/k8s']!;
    const all = processes(objects, 'deploy/k8s', []);
    const unit = all.find((p) => p.script === 'dist/processing-unit/main.js')!;
    const grid = all.find((p) => p.script === 'dist/messaging-grid/main.js')!;
    expect(unit.workload.kind).toBe('Deployment');
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpa?.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: unit.workload.metadata.name,
    });
    const selects = (service: Manifest, workload: Manifest) =>
      Object.entries(service.spec.selector ?? {}).every(
        ([k, v]) => workload.spec.template.metadata.labels[k] === v,
      );
    const unitService = find(objects, 'Service', hostsIn(grid.env.UNIT_URLS!)[0]!);
    expect(unitService && selects(unitService, unit.workload)).toBe(true);
    // Headless, so the name resolves to every ready pod (a ClusterIP would be one unit for the grid).
    expect(grid.env.UNIT_DISCOVERY).toBe('dns');
    expect(unitService?.spec.clusterIP).toBe('None');
    expect(objects.some((o) => o.kind === 'Service' && selects(o, grid.workload))).toBe(true);
  });

  it('runs Hazelcast as a StatefulSet that finds its members through the Kubernetes API', () => {
    const objects = renders['deploy/k8s']!;
    const members = objects.find(
      (o) => o.kind === 'StatefulSet' && /^hazelcast\//.test(o.spec.template.spec.containers[0].image),
    )!;
    expect(members, 'a StatefulSet of hazelcast/hazelcast').toBeDefined();
    const container = members.spec.template.spec.containers[0] as Manifest;
    const env = containerEnv(objects, container, 'members', []);
    const javaOpts = env.JAVA_OPTS ?? '';
    const memberYaml = readFileSync(K8S_MEMBER_YAML, 'utf8');
    expect(missingMemberProperties(memberYaml, javaOpts)).toEqual([]);
    expect((container.env as Manifest[]).filter((v) => /^HZ(CLIENT)?_/.test(v.name))).toEqual([]);

    // The member.yaml it loads is the ConfigMap made from deploy/k8s/base/hazelcast/member.yaml.
    const configPath = env.HAZELCAST_CONFIG;
    const mount = (container.volumeMounts as Manifest[]).find(
      (m) => configPath === `${m.mountPath}/member.yaml`,
    );
    const volume = (members.spec.template.spec.volumes as Manifest[]).find((v) => v.name === mount?.name);
    expect(find(objects, 'ConfigMap', volume?.configMap?.name)?.data?.['member.yaml']).toBe(memberYaml);

    // Discovery: a headless Service publishing not-ready members, and a Role to read the endpoints.
    const join = (parse(memberYaml) as Manifest).hazelcast.network.join;
    expect(join.kubernetes.enabled).toBe(true);
    const service = find(objects, 'Service', join.kubernetes['service-name']);
    expect(service?.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(members.spec.serviceName).toBe(service?.metadata.name);
    const account = members.spec.template.spec.serviceAccountName;
    const binding = objects.find(
      (o) =>
        o.kind === 'RoleBinding' &&
        o.subjects.some((s: Manifest) => s.kind === 'ServiceAccount' && s.name === account),
    );
    const role = find(objects, 'Role', binding?.roleRef.name);
    const granted = (role?.rules ?? [])
      .filter((r: Manifest) => r.verbs.includes('list'))
      .flatMap((r: Manifest) => r.resources);
    expect(granted).toEqual(expect.arrayContaining(['endpoints', 'pods']));

    // Probes on the members' health check, and a budget that keeps a majority up.
    expect(container.readinessProbe?.httpGet?.path).toBe('/hazelcast/health/ready');
    expect(container.livenessProbe?.httpGet?.path).toBe('/hazelcast/health/node-state');
    const pdb = objects.find(
      (o) =>
        o.kind === 'PodDisruptionBudget' &&
        o.spec.selector.matchLabels['app.kubernetes.io/name'] === 'hazelcast',
    );
    expect(pdb?.spec.maxUnavailable).toBe(1);
    expect(members.spec.replicas).toBeGreaterThanOrEqual(3);
  });

  it('uses the project member.yaml with only the join section changed', () => {
    const strip = (text: string) => {
      const config = parse(text) as Manifest;
      delete config.hazelcast.network.join;
      return config;
    };
    expect(
      strip(readFileSync(K8S_MEMBER_YAML, 'utf8')),
      `${K8S_MEMBER_YAML} must be ${PROJECT_MEMBER_YAML} with only network.join changed: copy the change over`,
    ).toEqual(strip(readFileSync(PROJECT_MEMBER_YAML, 'utf8')));
  });
});
