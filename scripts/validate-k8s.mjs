// Validates Kubernetes manifests offline against the Kubernetes schemas (kubernetes-models, generated from
// the Kubernetes OpenAPI spec) and the Prometheus Operator's (ServiceMonitor). Prints one JSON line:
// {"valid": ["Kind name", ...], "invalid": [{"resource", "error"}]} and exits 1 if any is invalid.
//   node scripts/validate-k8s.mjs               every resource listed in k8s/kustomization.yaml
//   node scripts/validate-k8s.mjs - < doc.json  one resource (JSON or YAML) from standard input
// An ES module of its own: these packages are ESM-only, which the Jest setup does not load.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { StatefulSet, Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';

const MODELS = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

const dir = resolve(import.meta.dirname, '..', 'k8s');
const documents =
  process.argv[2] === '-'
    ? [parse(readFileSync(0, 'utf8'))]
    : parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).resources.flatMap((file) =>
        parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => doc.toJS()),
      );

const valid = [];
const invalid = [];
for (const doc of documents) {
  const resource = `${doc?.kind} ${doc?.metadata?.name}`;
  const Model = MODELS[`${doc?.apiVersion}/${doc?.kind}`];
  try {
    if (!Model) throw new Error(`no schema known for ${doc?.apiVersion} ${doc?.kind}`);
    new Model(doc).validate();
    valid.push(resource);
  } catch (error) {
    invalid.push({ resource, error: error.message });
  }
}
console.log(JSON.stringify({ valid, invalid }));
process.exit(invalid.length === 0 ? 0 : 1);
