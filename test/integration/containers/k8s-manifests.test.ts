import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../../src/config';
import { repoRoot } from '../../support/containers/engine-state.cjs';

/**
 * Schema validation runs offline in scripts/validate-k8s.mjs: the schemas ship inside kubernetes-models
 * (generated from the Kubernetes OpenAPI spec) and @kubernetes-models/prometheus-operator, both ESM-only.
 * Kustomize itself is not run; its transformers (labels, images) only add to what is checked here.
 */
const validate = (stdin?: string): { status: number | null; valid: string[]; invalid: { resource: string; error: string }[] } => {
  const run = spawnSync(process.execPath, ['scripts/validate-k8s.mjs', ...(stdin === undefined ? [] : ['-'])], {
    cwd: repoRoot,
    input: stdin,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, ...(JSON.parse(run.stdout) as { valid: string[]; invalid: { resource: string; error: string }[] }) };
};

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { key: string } };
}
interface Container {
  env: EnvVar[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  lifecycle: { preStop: { exec: { command: string[] } } };
  ports: { name: string; containerPort: number }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { terminationGracePeriodSeconds: number; containers: Container[] };
}

const dir = join(repoRoot, 'k8s');
const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
const resources: Resource[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => doc.toJS() as Resource),
);
const one = (kind: string, name?: string): Resource => {
  const found = resources.find((r) => r.kind === kind && (name === undefined || r.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''} in k8s/`);
  return found;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const statefulSet = one('StatefulSet');
const template = statefulSet.spec?.template as PodTemplate;
const container = template.spec.containers[0]!;
const settings = one('ConfigMap').data ?? {};

describe('Kubernetes manifests (k8s/)', () => {
  it('every resource is valid against the Kubernetes (or Prometheus Operator) schema of its kind', () => {
    const result = validate();
    expect(result.invalid).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.valid).toEqual(resources.map((r) => `${r.kind} ${r.metadata.name}`));
  });

  it('the validator does catch a bad manifest', () => {
    const broken = structuredClone(statefulSet) as unknown as { spec: { template: PodTemplate } };
    (broken.spec.template.spec.containers[0]!.ports[0] as unknown as { containerPort: string }).containerPort = 'eighty';
    const result = validate(JSON.stringify(broken));
    expect(result.status).toBe(1);
    expect(result.invalid[0]?.error).toMatch(/containerPort/);
  });

  it('probes: readiness on /readyz, liveness on /healthz, on the container port', () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.ports).toContainEqual({ name: 'http', containerPort: 8080 });
  });

  it('the grace period covers the preStop pause and the whole drain deadline', () => {
    const [sleep, seconds] = container.lifecycle.preStop.exec.command;
    expect(sleep).toBe('sleep');
    const deadlineSecs = Number(settings.DRAIN_DEADLINE_MS) / 1000;
    expect(deadlineSecs).toBeGreaterThan(0);
    expect(template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(Number(seconds) + deadlineSecs + 2);
  });

  it('each pod gets its own NODE_ID and PUBLIC_URL from its name, defined after what they refer to', () => {
    const env = container.env;
    const at = (name: string): number => env.findIndex((e) => e.name === name);
    expect(env[at('POD_NAME')]?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(env[at('NODE_ID')]?.value).toBe('$(POD_NAME)');
    expect(env[at('PUBLIC_URL')]?.value).toMatch(/^wss:\/\/\$\(POD_NAME\)\./);
    // Kubernetes expands $(VAR) only from variables listed earlier.
    expect(at('POD_NAME')).toBeLessThan(at('NODE_ID'));
    expect(at('PUBLIC_HOST_SUFFIX')).toBeLessThan(at('PUBLIC_URL'));
  });

  it('Redis is external: its URL comes from a Secret and nothing here runs Redis', () => {
    expect(container.env.find((e) => e.name === 'REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'rtc-signaling', key: 'REDIS_URL' });
    expect(JSON.stringify(resources)).not.toMatch(/redis:|redis-server/);
  });

  it('the PodDisruptionBudget and the ServiceMonitor select the signaling pods', () => {
    const pdb = one('PodDisruptionBudget').spec as { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    expect(pdb.maxUnavailable).toBe(1);
    expect(matches(pdb.selector.matchLabels, template.metadata.labels)).toBe(true);
    const monitor = one('ServiceMonitor').spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
    const service = resources.find((r) => r.kind === 'Service' && matches(monitor.selector.matchLabels, { ...r.metadata.labels, 'app.kubernetes.io/name': 'rtc-signaling' }));
    expect(service).toBeDefined();
    const spec = service!.spec as { selector: Record<string, string>; ports: { name: string }[] };
    expect(matches(spec.selector, template.metadata.labels)).toBe(true);
    expect(spec.ports.map((p) => p.name)).toContain(monitor.endpoints[0]?.port);
    expect(monitor.endpoints[0]?.path).toBe('/metrics');
  });

  it("the ConfigMap's settings, with what each pod adds, pass the server's own configuration check", () => {
    const config = loadConfig({
      ...settings,
      NODE_ID: 'rtc-signaling-0',
      PUBLIC_URL: `wss://rtc-signaling-0.${settings.PUBLIC_HOST_SUFFIX}/rtc/websocket`,
      REDIS_URL: 'redis://redis.example.internal:6379',
    });
    expect(config.DRAIN_DEADLINE_MS).toBe(Number(settings.DRAIN_DEADLINE_MS));
    expect(config.STATE_STORE).toBe('redis');
    expect(config.AUTH).toBe('jwt');
  });
});
