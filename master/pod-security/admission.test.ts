// Pod Security admission's decisions: what is refused (and with which words), what only warns,
// what is exempt, which updates are looked at, and the namespace label rules.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { admitPodSecurity, type PodSecurityEnvironment, type PodSecurityRequest } from "./admission";
import { defaultPodSecurityConfig, type AuditRecord, type PodSecurityConfig } from "./config";

function environment(labels: Record<string, Record<string, string>>, pods: KubeObject[] = [], config: PodSecurityConfig = defaultPodSecurityConfig()): PodSecurityEnvironment {
  return {
    config,
    namespaceLabels: async (ns) => labels[ns],
    listPods: async (ns) => pods.filter((p) => p.metadata.namespace === ns),
  };
}

function pod(name: string, namespace: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, ...metadata }, spec };
}

const rootSpec = { containers: [{ name: "c", image: "busybox" }] };
const privilegedSpec = {
  containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }],
  volumes: [{ name: "h", hostPath: { path: "/" } }],
};
const restrictedSpec = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  containers: [{ name: "c", image: "busybox", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
};

function create(object: KubeObject, extra: Partial<PodSecurityRequest> = {}): PodSecurityRequest {
  const [group, plural] = object.kind === "Pod" ? ["", "pods"] : object.kind === "Namespace" ? ["", "namespaces"] : ["apps", `${String(object.kind).toLowerCase()}s`];
  return { group, plural, operation: "create", subresource: "", namespace: object.metadata.namespace ?? "", name: object.metadata.name ?? "", object, ...extra };
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  return assert.fail("expected the request to be refused");
}

const ROOT_WARNING =
  'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

test("the default: a privileged hostPath pod in an unlabelled namespace is a 403 naming the fields and the label that allows it", async () => {
  const err = await refusal(admitPodSecurity(environment({ default: {} }), create(pod("x", "default", privilegedSpec))));
  assert.equal(err.code, 403);
  assert.equal(err.reason, "Forbidden");
  assert.equal(
    err.message,
    'pods "x" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "h"), privileged (container "c" must not set securityContext.privileged=true) ' +
      "(label the namespace pod-security.kubernetes.io/enforce=privileged to allow it)",
  );
  assert.deepEqual(err.details, { name: "x", group: undefined, kind: "pods" });
});

test("the default: a root pod passes baseline and gets restricted's warning; a restricted pod gets none", async () => {
  assert.deepEqual(await admitPodSecurity(environment({ default: {} }), create(pod("r", "default", rootSpec))), [ROOT_WARNING]);
  assert.deepEqual(await admitPodSecurity(environment({ default: {} }), create(pod("s", "default", restrictedSpec))), []);
});

test("labels: enforce=privileged lets the pod in (with warnings); warn=privileged silences them", async () => {
  const privileged = { "pod-security.kubernetes.io/enforce": "privileged" };
  const warnings = await admitPodSecurity(environment({ x: privileged }), create(pod("p", "x", privilegedSpec)));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^would violate PodSecurity "restricted:latest": hostPath volumes|^would violate PodSecurity "restricted:latest": privileged/);
  assert.deepEqual(await admitPodSecurity(environment({ x: { ...privileged, "pod-security.kubernetes.io/warn": "privileged" } }), create(pod("p", "x", privilegedSpec))), []);
});

test("enforce=restricted: a baseline pod is refused and told baseline would do; versions appear as labelled", async () => {
  const env = environment({ x: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.29" } });
  const err = await refusal(admitPodSecurity(env, create(pod("r", "x", rootSpec))));
  assert.match(err.message, /^pods "r" is forbidden: violates PodSecurity "restricted:v1\.29": allowPrivilegeEscalation != false/);
  assert.match(err.message, /\(label the namespace pod-security\.kubernetes\.io\/enforce=baseline to allow it\)$/);
});

test("a namespace whose labels do not parse enforces restricted (fail closed)", async () => {
  const err = await refusal(admitPodSecurity(environment({ x: { "pod-security.kubernetes.io/enforce": "strict" } }), create(pod("r", "x", rootSpec))));
  assert.match(err.message, /violates PodSecurity "restricted:latest"/);
});

test("exemptions: namespaces (kube-system by default), usernames, runtime classes", async () => {
  const config = defaultPodSecurityConfig();
  config.exemptions.usernames.push("ops");
  config.exemptions.runtimeClasses.push("kata");
  const env = environment({ "kube-system": {}, default: {} }, [], config);
  assert.deepEqual(await admitPodSecurity(env, create(pod("p", "kube-system", privilegedSpec))), []);
  assert.deepEqual(await admitPodSecurity(env, create(pod("p", "default", privilegedSpec), { username: "ops" })), []);
  assert.deepEqual(await admitPodSecurity(env, create(pod("p", "default", { ...privilegedSpec, runtimeClassName: "kata" }))), []);
  await refusal(admitPodSecurity(env, create(pod("p", "default", privilegedSpec), { username: "someone" })));
});

test("workload templates are warned about and audited, never refused", async () => {
  const audits: AuditRecord[] = [];
  const config = defaultPodSecurityConfig();
  config.defaults.audit = { level: "baseline", version: { latest: true } };
  config.audit = (r) => audits.push(r);
  const deployment: KubeObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default" }, spec: { template: { metadata: {}, spec: privilegedSpec } } };
  const warnings = await admitPodSecurity(environment({ default: {} }, [], config), create(deployment, { username: "alice" }));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^would violate PodSecurity "restricted:latest": /);
  assert.deepEqual(audits, [
    { namespace: "default", resource: "deployments", name: "d", user: "alice", message: 'would violate PodSecurity "baseline:latest": hostPath volumes (volume "h"), privileged (container "c" must not set securityContext.privileged=true)' },
  ]);
  assert.deepEqual(await admitPodSecurity(environment({ default: {} }), create(deployment, { subresource: "scale", operation: "update", oldObject: deployment })), [], "subresources are not looked at");
});

test("pod updates: only significant ones (images, ephemeral containers) are evaluated; status never", async () => {
  const env = environment({ default: {} });
  const old = pod("x", "default", privilegedSpec);
  const relabelled = pod("x", "default", privilegedSpec, { labels: { a: "b" } });
  assert.deepEqual(await admitPodSecurity(env, { ...create(relabelled), operation: "update", oldObject: old }), []);
  const newImage = pod("x", "default", { ...privilegedSpec, containers: [{ ...privilegedSpec.containers[0], image: "busybox:2" }] });
  await refusal(admitPodSecurity(env, { ...create(newImage), operation: "update", oldObject: old }));
  assert.deepEqual(await admitPodSecurity(env, { ...create(newImage), operation: "update", oldObject: old, subresource: "status" }), []);
  const debugged = pod("x", "default", { ...rootSpec, ephemeralContainers: [{ name: "dbg", image: "busybox", securityContext: { privileged: true } }] });
  await refusal(admitPodSecurity(env, { ...create(debugged), operation: "update", oldObject: pod("x", "default", rootSpec), subresource: "ephemeralcontainers" }));
});

test("namespaces: labels must parse on create and when changed", async () => {
  const ns = (labels: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x", labels } });
  const err = await refusal(admitPodSecurity(environment({}), create(ns({ "pod-security.kubernetes.io/enforce": "strict" }))));
  assert.equal(err.code, 422);
  assert.equal(err.message, 'Namespace "x" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted');
  // An old bad label left as it is does not block other changes.
  const bad = ns({ "pod-security.kubernetes.io/warn-version": "1.2" });
  assert.deepEqual(await admitPodSecurity(environment({}), { ...create(ns({ ...bad.metadata.labels, team: "a" })), operation: "update", oldObject: bad }), []);
});

test("namespaces: a stricter enforce label warns about the pods already there, grouped by reasons", async () => {
  const pods = [pod("web-b", "x", rootSpec), pod("web-a", "x", rootSpec), pod("db", "x", privilegedSpec), pod("ok", "x", restrictedSpec), pod("elsewhere", "y", rootSpec)];
  const ns = (labels: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x", labels } });
  const env = environment({}, pods);
  const warnings = await admitPodSecurity(env, { ...create(ns({ "pod-security.kubernetes.io/enforce": "restricted" })), operation: "update", oldObject: ns({}) });
  assert.deepEqual(warnings, [
    'existing pods in namespace "x" violate the new PodSecurity enforce level "restricted:latest"',
    "db: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, restricted volume types, runAsNonRoot != true, seccompProfile",
    "web-a (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
  ]);
  // Relaxing, or keeping the level, checks nothing.
  assert.deepEqual(await admitPodSecurity(env, { ...create(ns({ "pod-security.kubernetes.io/enforce": "privileged" })), operation: "update", oldObject: ns({}) }), []);
  assert.deepEqual(await admitPodSecurity(env, { ...create(ns({ team: "a" })), operation: "update", oldObject: ns({}) }), []);
});
