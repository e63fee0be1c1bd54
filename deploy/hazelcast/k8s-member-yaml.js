// The Hazelcast member configuration for Kubernetes, made from the project's own
// (deploy-manager/hazelcast/member.yaml, which `npm start` and compose.yaml use): the same file with
// `network.join` finding the members through the Kubernetes API instead of a fixed member list.
// Kustomize only reads files under its own folder, so deploy/k8s keeps the result as a file:
//
//   node deploy/hazelcast/k8s-member-yaml.js           writes deploy/k8s/base/hazelcast/member.yaml
//   node deploy/hazelcast/k8s-member-yaml.js --check   fails if that file is not up to date
//
// deploy/validate.sh runs the check.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SOURCE = 'deploy-manager/hazelcast/member.yaml';
const TARGET = 'deploy/k8s/base/hazelcast/member.yaml';
const repo = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

const HEADER = `# Hazelcast member configuration of spacegrid on Kubernetes, made from ${SOURCE}
# (the one \`npm start\` and compose.yaml use) by deploy/hazelcast/k8s-member-yaml.js: the same,
# except \`network.join\`, which finds the other members through the Kubernetes API. Do not edit:
# change ${SOURCE}, then run \`node deploy/hazelcast/k8s-member-yaml.js\`.
#
# The image's \`hz start\` loads it (HAZELCAST_CONFIG names it); the \${...} placeholders are filled
# by the JVM system properties the StatefulSet passes in JAVA_OPTS (statefulset.yaml):
# spacegrid.hz.cluster-name, spacegrid.hz.port, spacegrid.hz.host (the pod's IP),
# spacegrid.hz.split-brain-protection and spacegrid.hz.min-cluster-size.
`;

const JOIN = `    # Kubernetes discovery instead of a member list: the members are the pods behind the headless
    # Service \`hazelcast\` of the pod's own namespace, found through the Kubernetes API (rbac.yaml
    # lets the members' service account read them).
    join:
      auto-detection:
        enabled: false
      multicast:
        enabled: false
      kubernetes:
        enabled: true
        service-name: hazelcast
        # Members must find each other before Kubernetes counts them ready.
        resolve-not-ready-addresses: true
        # Clients run inside the cluster: no public addresses to look up.
        expose-externally: false
`;

/** The Kubernetes variant of the text of the project's member.yaml. */
export function k8sMemberYaml(source) {
  const lines = source.split('\n');
  const start = lines.indexOf('hazelcast:');
  const join = lines.indexOf('    join:');
  if (start < 0 || join < 0) throw new Error(`${SOURCE} has no top-level hazelcast: or no network.join`);
  // The join section runs to the next line as little indented as its key (a sibling or its comment).
  let end = join + 1;
  while (end < lines.length && (lines[end].trim() === '' || /^ {5,}/.test(lines[end]))) end++;
  return [HEADER + lines.slice(start, join).join('\n'), JOIN + lines.slice(end).join('\n')].join('\n');
}

const wanted = k8sMemberYaml(readFileSync(repo(SOURCE), 'utf8'));
if (process.argv.includes('--check')) {
  if (readFileSync(repo(TARGET), 'utf8') !== wanted) {
    console.error(`${TARGET} is out of date with ${SOURCE}: run node deploy/hazelcast/k8s-member-yaml.js`);
    process.exit(1);
  }
} else {
  writeFileSync(repo(TARGET), wanted);
}
