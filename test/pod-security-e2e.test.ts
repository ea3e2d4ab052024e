// Pod Security admission end to end: the real kubectl (v1.32) against a real `gantry master`
// with Gantry's default (enforce baseline, warn restricted, kube-system exempt), and one started
// with `--pod-security-default privileged`. No agent runs: pods are only admitted or refused.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

const IMAGE = "127.0.0.1:5000/gantry/busybox:1";

const privilegedPod = (name: string, namespace: string) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: {
      containers: [{ name: "c", image: IMAGE, securityContext: { privileged: true }, volumeMounts: [{ name: "h", mountPath: "/host" }] }],
      volumes: [{ name: "h", hostPath: { path: "/" } }],
    },
  });

const REFUSAL =
  'violates PodSecurity "baseline:latest": hostPath volumes (volume "h"), privileged (container "c" must not set securityContext.privileged=true) ' +
  "(label the namespace pod-security.kubernetes.io/enforce=privileged to allow it)";

const rootWarning = (container: string) =>
  `Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "${container}" must set securityContext.allowPrivilegeEscalation=false), ` +
  `unrestricted capabilities (container "${container}" must set securityContext.capabilities.drop=["ALL"]), ` +
  `runAsNonRoot != true (pod or container "${container}" must set securityContext.runAsNonRoot=true), ` +
  `seccompProfile (pod or container "${container}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;

describe("Gantry's default Pod Security", () => {
  let s: KubectlSession;

  before(async () => {
    s = await startKubectlSession();
  });
  after(() => s?.stop());

  test("a privileged hostPath pod in a fresh namespace is refused, naming the fields and the label; after the label it is created", async () => {
    await s.kubectl.ok(["create", "namespace", "psa-a"]);
    const file = s.file("privileged.json", privilegedPod("priv", "psa-a"));
    const refused = await s.kubectl.run(["create", "-f", file]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.equal(refused.stderr.trim(), `Error from server (Forbidden): error when creating "${file}": pods "priv" is forbidden: ${REFUSAL}`);
    assert.match((await s.kubectl.run(["get", "pod", "priv", "-n", "psa-a"])).stderr, /NotFound/, "nothing was stored");

    await s.kubectl.ok(["label", "namespace", "psa-a", "pod-security.kubernetes.io/enforce=privileged"]);
    const created = await waitFor("the pod admitted once the label is seen", async () => {
      const r = await s.kubectl.run(["create", "-f", file]);
      return r.code === 0 ? r : undefined;
    });
    assert.match(created.stdout, /pod\/priv created/);
    // warn keeps its default: the client still hears what restricted thinks of it.
    assert.match(
      created.stderr,
      /^Warning: would violate PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false .*, restricted volume types \(volume "h" uses restricted volume type "hostPath"\), /m,
    );
  });

  test("a pod that meets baseline is created and kubectl prints restricted's warnings", async () => {
    await s.kubectl.ok(["create", "namespace", "psa-b"]);
    const r = await s.kubectl.run(["run", "root", "-n", "psa-b", `--image=${IMAGE}`, "--", "sleep", "3600"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod\/root created/);
    assert.equal(r.stderr.trim(), rootWarning("root"));
  });

  test("a stricter enforce label warns about the pods already in the namespace; a bad label value is a 422", async () => {
    const r = await s.kubectl.run(["label", "namespace", "psa-b", "pod-security.kubernetes.io/enforce=restricted"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr.trim(),
      [
        'Warning: existing pods in namespace "psa-b" violate the new PodSecurity enforce level "restricted:latest"',
        "Warning: root: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
      ].join("\n"),
    );
    const bad = await s.kubectl.run(["label", "--overwrite", "namespace", "psa-b", "pod-security.kubernetes.io/enforce=strict"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /The Namespace "psa-b" is invalid: metadata\.labels\[pod-security\.kubernetes\.io\/enforce\]: Invalid value: "strict": must be one of privileged, baseline, restricted/);
  });

  test("a Deployment with a privileged template is created with warnings; its ReplicaSet's pods are refused", async () => {
    await s.kubectl.ok(["create", "namespace", "psa-c"]);
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "agentish", namespace: "psa-c" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "agentish" } },
        template: { metadata: { labels: { app: "agentish" } }, spec: { hostNetwork: true, containers: [{ name: "c", image: IMAGE, securityContext: { privileged: true } }] } },
      },
    };
    const r = await s.kubectl.run(["create", "-f", s.file("deployment.json", JSON.stringify(deployment))]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps\/agentish created/);
    assert.match(r.stderr, /^Warning: would violate PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\), privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false/);
    const event = await waitFor("the ReplicaSet's FailedCreate event", async () => {
      const events = await s.kubectl.ok(["get", "events", "-n", "psa-c", "--field-selector", "reason=FailedCreate", "-o", "jsonpath={.items[*].message}"]);
      return events.includes("violates PodSecurity") ? events : undefined;
    }, 30_000);
    assert.match(event, /Error creating: pods "agentish-[a-z0-9]+-[a-z0-9]+" is forbidden: violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\), privileged \(container "c" must not set securityContext.privileged=true\)/);
    assert.equal((await s.kubectl.ok(["get", "pods", "-n", "psa-c", "-o", "name"])).trim(), "");
  });

  test("kube-system is exempt: a privileged pod is created without a word", async () => {
    const r = await s.kubectl.run(["create", "-f", s.file("system.json", privilegedPod("system-priv", "kube-system"))]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
  });
});

describe("gantry master --pod-security-default privileged", () => {
  let s: KubectlSession;

  before(async () => {
    s = await startKubectlSession({ args: ["--pod-security-default", "privileged"] });
  });
  after(() => s?.stop());

  test("checks nothing in unlabelled namespaces, and labels still apply", async () => {
    const r = await s.kubectl.run(["create", "-f", s.file("privileged.json", privilegedPod("priv", "default"))]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    await s.kubectl.ok(["create", "namespace", "strict"]);
    await s.kubectl.ok(["label", "namespace", "strict", "pod-security.kubernetes.io/enforce=baseline"]);
    const refused = await waitFor("the label seen", async () => {
      const x = await s.kubectl.run(["create", "-f", s.file("strict.json", privilegedPod("priv", "strict"))]);
      return x.code !== 0 ? x : undefined;
    });
    assert.match(refused.stderr, /pods "priv" is forbidden: violates PodSecurity "baseline:latest"/);
  });
});
