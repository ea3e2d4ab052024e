// Loads the Kubernetes wire schema (schema/*.proto) with protobufjs and maps each
// apiVersion/kind kubectl may send to its message type.
//
// Where the .proto files are: tsc emits this file to dist/master/apiserver/protobuf/, and does
// not copy .proto files. So the loader looks beside the compiled file first (a packaged build may
// copy schema/ there) and then in the source tree, four levels up from dist/.
import fs from "node:fs";
import path from "node:path";
import * as protobuf from "protobufjs";

const SCHEMA_FILES = ["runtime.proto", "meta.proto", "core.proto", "apps.proto", "batch.proto", "autoscaling.proto", "policy.proto", "certificates.proto", "authentication.proto", "authorization.proto", "rbac.proto"];

const META = "k8s.io.apimachinery.pkg.apis.meta.v1";

/** `apiVersion/kind` → message type. DeleteOptions is served by every group version. */
const KIND_TYPES: Readonly<Record<string, string>> = {
  "v1/Namespace": "k8s.io.api.core.v1.Namespace",
  "v1/Pod": "k8s.io.api.core.v1.Pod",
  "v1/Service": "k8s.io.api.core.v1.Service",
  "v1/ConfigMap": "k8s.io.api.core.v1.ConfigMap",
  "v1/Secret": "k8s.io.api.core.v1.Secret",
  "v1/ServiceAccount": "k8s.io.api.core.v1.ServiceAccount",
  "v1/ReplicationController": "k8s.io.api.core.v1.ReplicationController",
  "apps/v1/Deployment": "k8s.io.api.apps.v1.Deployment",
  "apps/v1/ReplicaSet": "k8s.io.api.apps.v1.ReplicaSet",
  "apps/v1/DaemonSet": "k8s.io.api.apps.v1.DaemonSet",
  "batch/v1/Job": "k8s.io.api.batch.v1.Job",
  "batch/v1/CronJob": "k8s.io.api.batch.v1.CronJob",
  "autoscaling/v1/HorizontalPodAutoscaler": "k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler",
  "policy/v1/Eviction": "k8s.io.api.policy.v1.Eviction",
  "certificates.k8s.io/v1/CertificateSigningRequest": "k8s.io.api.certificates.v1.CertificateSigningRequest",
  "authentication.k8s.io/v1/TokenRequest": "k8s.io.api.authentication.v1.TokenRequest",
  "authentication.k8s.io/v1/SelfSubjectReview": "k8s.io.api.authentication.v1.SelfSubjectReview",
  "rbac.authorization.k8s.io/v1/Role": "k8s.io.api.rbac.v1.Role",
  "rbac.authorization.k8s.io/v1/ClusterRole": "k8s.io.api.rbac.v1.ClusterRole",
  "rbac.authorization.k8s.io/v1/RoleBinding": "k8s.io.api.rbac.v1.RoleBinding",
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": "k8s.io.api.rbac.v1.ClusterRoleBinding",
  "authentication.k8s.io/v1/TokenReview": "k8s.io.api.authentication.v1.TokenReview",
  "authorization.k8s.io/v1/SelfSubjectAccessReview": "k8s.io.api.authorization.v1.SelfSubjectAccessReview",
  "authorization.k8s.io/v1/SelfSubjectRulesReview": "k8s.io.api.authorization.v1.SelfSubjectRulesReview",
  "authorization.k8s.io/v1/SubjectAccessReview": "k8s.io.api.authorization.v1.SubjectAccessReview",
  "authorization.k8s.io/v1/LocalSubjectAccessReview": "k8s.io.api.authorization.v1.LocalSubjectAccessReview",
};

export interface KubernetesSchema {
  /** Every loaded type, by full name (e.g. `k8s.io.api.core.v1.Pod`). */
  readonly root: protobuf.Root;
  /** The runtime.Unknown envelope type. */
  readonly unknown: protobuf.Type;
  /** The message type for an apiVersion/kind, or undefined when Gantry does not decode it. */
  typeFor(apiVersion: string, kind: string): protobuf.Type | undefined;
  /** The `apiVersion/kind` pairs `typeFor` knows, DeleteOptions aside; for error messages. */
  readonly kinds: readonly string[];
}

/** The directories tried, in order, when no directory is given. */
export function defaultSchemaDirs(): string[] {
  return [path.join(__dirname, "schema"), path.join(__dirname, "../../../../master/apiserver/protobuf/schema")];
}

function findSchemaDir(): string {
  const dirs = defaultSchemaDirs();
  const found = dirs.find((d) => fs.existsSync(path.join(d, "core.proto")));
  if (!found) throw new Error(`Kubernetes protobuf schema not found; looked for core.proto in ${dirs.join(", ")}`);
  return found;
}

/**
 * Parses the .proto files synchronously. Call once at apiserver startup so a missing or broken
 * schema fails the start rather than the first protobuf request.
 */
export function loadKubernetesSchema(dir: string = findSchemaDir()): KubernetesSchema {
  const protobufDir = path.dirname(require.resolve("protobufjs/package.json"));
  const root = new protobuf.Root();
  // options.proto imports descriptor.proto, which protobufjs ships.
  root.resolvePath = (_origin, target) =>
    target.startsWith("google/protobuf/") ? path.join(protobufDir, target) : path.resolve(dir, target);
  root.loadSync(SCHEMA_FILES, { keepCase: true });
  root.resolveAll();
  const types = new Map<string, protobuf.Type>();
  for (const [key, name] of Object.entries(KIND_TYPES)) types.set(key, root.lookupType(name));
  const deleteOptions = root.lookupType(`${META}.DeleteOptions`);
  return {
    root,
    unknown: root.lookupType("k8s.io.apimachinery.pkg.runtime.Unknown"),
    typeFor: (apiVersion, kind) => (kind === "DeleteOptions" ? deleteOptions : types.get(`${apiVersion}/${kind}`)),
    kinds: Object.keys(KIND_TYPES),
  };
}

let cached: KubernetesSchema | undefined;

/** The schema from the default location, loaded on first use. */
export function defaultKubernetesSchema(): KubernetesSchema {
  cached ??= loadKubernetesSchema();
  return cached;
}
