#!/usr/bin/env bash
# Checks the deployment files without a Docker engine or a Kubernetes cluster:
#   1. compose.yaml, as Docker Compose reads it (`docker-compose config`, Debian's docker-compose);
#   2. deploy/k8s and each of its overlays render (`kubectl kustomize`), and the Hazelcast member
#      configuration in deploy/k8s is deploy-manager/hazelcast/member.yaml's, up to date;
#   3. every rendered manifest against the Kubernetes JSON schemas of the npm package
#      kubernetes-models (a dev dependency: run `npm ci` first). Like kubeconform without -strict,
#      it refuses wrong types, missing required fields and unknown kinds, not unknown fields.
# Run as root with docker-compose missing, it installs Debian's package; otherwise it stops and
# says what is missing. test/deploy-manifests.test.ts runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "deploy/validate.sh: $*" >&2
  exit 1
}

if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deploy/validate.sh: installing docker-compose (Debian's package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q && apt-get install -y -q --no-install-recommends docker-compose; } >&2 ||
      fail "could not install docker-compose with apt-get"
  else
    fail "docker-compose is missing: install it (apt-get install --no-install-recommends docker-compose, as root), it checks compose.yaml without a Docker engine"
  fi
fi
command -v kubectl >/dev/null 2>&1 ||
  fail "kubectl is missing: install kubectl 1.27 or newer (it renders deploy/k8s with its built-in kustomize v5)"
command -v node >/dev/null 2>&1 || fail "node is missing"
[ -d node_modules/kubernetes-models ] && [ -d node_modules/yaml ] ||
  fail "node_modules/kubernetes-models or node_modules/yaml is missing: run npm ci"

# 1. compose.yaml. It wants ADMIN_TOKEN from the environment; any value does to check the file.
ADMIN_TOKEN="${ADMIN_TOKEN:-validate-only}" docker-compose -f compose.yaml config -q ||
  fail "compose.yaml is not valid (docker-compose config)"
echo "deploy/validate.sh: compose.yaml is valid"

# 2. The kustomizations, rendered, with the member configuration they carry up to date.
node deploy/hazelcast/k8s-member-yaml.js --check || fail "deploy/k8s's member.yaml is out of date"

rendered="$(mktemp -d)"
trap 'rm -rf "$rendered"' EXIT
for dir in deploy/k8s deploy/k8s/overlays/*; do
  [ -f "$dir/kustomization.yaml" ] || continue
  kubectl kustomize "$dir" >"$rendered/$(echo "$dir" | tr / _).yaml" ||
    fail "kubectl kustomize $dir failed"
done

# 3. Each rendered manifest against the schema of its kind.
node --input-type=module -e '
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseAllDocuments } from "yaml";

const problems = [];
let checked = 0;
for (const file of process.argv.slice(1)) {
  const source = basename(file, ".yaml").replaceAll("_", "/");
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    const manifest = document.toJS();
    if (manifest === null) continue;
    const where = `${source}: ${manifest.kind}/${manifest.metadata?.name}`;
    const apiVersion = String(manifest.apiVersion);
    const module = `kubernetes-models/${apiVersion.includes("/") ? apiVersion : `v1`}`;
    const models = await import(module).catch(() => undefined);
    const Model = models?.[manifest.kind];
    if (typeof Model !== "function") {
      problems.push(`${where}: no schema for ${apiVersion} ${manifest.kind}`);
      continue;
    }
    // kustomize folds long base64 values over lines; the API server skips the line breaks.
    if (manifest.kind === "Secret" && manifest.data) {
      for (const key of Object.keys(manifest.data)) manifest.data[key] = manifest.data[key].replace(/\s+/g, "");
    }
    try {
      new Model(manifest).validate();
      checked++;
    } catch (err) {
      problems.push(`${where}: ${err.message}`);
    }
  }
}
if (problems.length > 0) {
  console.error(`deploy/validate.sh: manifests that do not match the Kubernetes schemas:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`deploy/validate.sh: ${checked} Kubernetes manifests match their schemas`);
' "$rendered"/*.yaml
