// The real kubectl (v1.32) against a real `gantry master` on real etcd: the object commands a
// Kubernetes user knows, each checked by what kubectl prints and by what the API then holds.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync } from "node:fs";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import type { Kubectl } from "./helpers/kubectl";
import type { ApiClient } from "./helpers/api-client";

let session: KubectlSession;
let kubectl: Kubectl;
let api: ApiClient;
const file = (name: string, content: string) => session.file(name, content);

before(async () => {
  session = await startKubectlSession();
  ({ kubectl, api } = session);
});

after(() => session?.stop());

const deploymentYaml = (image: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
      - name: sidecar
        image: busybox
        command: ["sleep", "3600"]
`;

describe("kubectl against gantry", () => {
  test("get ns lists the four system namespaces", async () => {
    const out = await kubectl.ok(["get", "ns"]);
    const names = out.trim().split("\n").slice(1).map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(names.sort(), ["default", "kube-node-lease", "kube-public", "kube-system"]);
    assert.match(out, /^NAME\s+STATUS\s+AGE/);
    assert.match(out, /default\s+Active/);
  });

  test("run creates a Pending pod that get, get -o wide and describe show", async () => {
    const created = await kubectl.ok(["run", "pingpong", "--image=busybox", "--", "sleep", "3600"]);
    assert.match(created, /pod\/pingpong created/);
    const get = await kubectl.ok(["get", "pods"]);
    assert.match(get, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    assert.match(get, /pingpong\s+0\/1\s+Pending\s+0/);
    const wide = await kubectl.ok(["get", "pods", "-o", "wide"]);
    assert.match(wide, /IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    assert.match(wide, /pingpong\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>/);
    const describe = await kubectl.ok(["describe", "pod", "pingpong"]);
    assert.match(describe, /Name:\s+pingpong/);
    assert.match(describe, /Image:\s+busybox/);
    assert.match(describe, /Status:\s+Pending/);
  });

  test("get -o yaml and -o json show defaulted objects", async () => {
    const pod = JSON.parse(await kubectl.ok(["get", "pod", "pingpong", "-o", "json"]));
    assert.equal(pod.kind, "Pod");
    assert.equal(pod.spec.restartPolicy, "Always");
    assert.equal(pod.spec.containers[0].terminationMessagePath, "/dev/termination-log");
    assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(pod.metadata.resourceVersion, /^\d+$/);
    const yaml = await kubectl.ok(["get", "pod", "pingpong", "-o", "yaml"]);
    assert.match(yaml, /^apiVersion: v1\nkind: Pod\n/);
    assert.match(yaml, /dnsPolicy: ClusterFirst/);
  });

  test("label, annotate and patch change the object", async () => {
    assert.match(await kubectl.ok(["label", "pod", "pingpong", "tier=backend"]), /pod\/pingpong labeled/);
    assert.match(await kubectl.ok(["annotate", "pod", "pingpong", "owner=team-a"]), /pod\/pingpong annotated/);
    assert.match(await kubectl.ok(["get", "pods", "-l", "tier=backend"]), /pingpong/);
    assert.match((await kubectl.run(["get", "pods", "-l", "tier!=backend"])).stderr + (await kubectl.run(["get", "pods", "-l", "tier!=backend"])).stdout, /No resources found/);
    assert.match(await kubectl.ok(["patch", "pod", "pingpong", "-p", '{"metadata":{"labels":{"patched":"yes"}}}']), /pod\/pingpong patched/);
    const pod = JSON.parse(await kubectl.ok(["get", "pod", "pingpong", "-o", "json"]));
    assert.equal(pod.metadata.labels.tier, "backend");
    assert.equal(pod.metadata.labels.patched, "yes");
    assert.equal(pod.metadata.annotations.owner, "team-a");
  });

  test("create -f, then apply -f creates and updates, keeping fields apply does not own", async () => {
    const cm = file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: '1'\n");
    assert.match(await kubectl.ok(["create", "-f", cm]), /configmap\/settings created/);
    assert.match((await kubectl.run(["create", "-f", cm])).stderr, /AlreadyExists|already exists/);

    const v1 = file("deploy-v1.yaml", deploymentYaml("nginx:1.27"));
    assert.match(await kubectl.ok(["apply", "-f", v1]), /deployment.apps\/web created/);
    // apply owns replicas (it is in the manifest), so it undoes this scale, as on Kubernetes.
    await kubectl.ok(["scale", "deployment", "web", "--replicas=3"]);
    const v2 = file("deploy-v2.yaml", deploymentYaml("nginx:1.28"));
    assert.match(await kubectl.ok(["apply", "-f", v2]), /deployment.apps\/web configured/);
    const d = JSON.parse(await kubectl.ok(["get", "deploy", "web", "-o", "json"]));
    assert.equal(d.spec.template.spec.containers[0].image, "nginx:1.28");
    assert.deepEqual(d.spec.template.spec.containers[1].command, ["sleep", "3600"]);
    assert.equal(d.metadata.generation, 3);
    assert.ok(d.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"].includes("nginx:1.28"));
    const get = await kubectl.ok(["get", "deployments", "-o", "wide"]);
    assert.match(get, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    assert.match(get, /web\s+0\/2\s+\d+\s+0\s+\S+\s+web,sidecar\s+nginx:1.28,busybox\s+app=web/);
  });

  test("expose gives a Service a ClusterIP and a NodePort; kubernetes service exists", async () => {
    assert.match(await kubectl.ok(["expose", "deployment", "web", "--port=80", "--type=NodePort"]), /service\/web exposed/);
    const svc = JSON.parse(await kubectl.ok(["get", "svc", "web", "-o", "json"]));
    assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767);
    assert.deepEqual(svc.spec.selector, { app: "web" });
    const get = await kubectl.ok(["get", "svc"]);
    assert.match(get, /kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/);
    assert.match(get, new RegExp(`web\\s+NodePort\\s+${svc.spec.clusterIP.replace(/\./g, "\\.")}\\s+<none>\\s+80:${svc.spec.ports[0].nodePort}/TCP`));
    // Deleting frees the address: the same IP can be asked for explicitly afterwards.
    await kubectl.ok(["delete", "svc", "web"]);
    const again = await api.request("POST", "/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "pinned" }, spec: { clusterIP: svc.spec.clusterIP, ports: [{ port: 80 }] } });
    assert.equal(again.status, 201, again.body);
    const clash = await api.request("POST", "/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "clash" }, spec: { clusterIP: svc.spec.clusterIP, ports: [{ port: 80 }] } });
    assert.equal(clash.status, 422);
    await kubectl.ok(["delete", "svc", "pinned"]);
  });

  test("edit through $EDITOR writes the change", async () => {
    const editor = file("editor.sh", "#!/bin/sh\nsed -i 's/a: \"1\"/a: \"2\"/' \"$1\"\n");
    chmodSync(editor, 0o755);
    const out = await kubectl.ok(["edit", "configmap", "settings"], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    assert.match(out, /configmap\/settings edited/);
    const cm = JSON.parse(await kubectl.ok(["get", "cm", "settings", "-o", "json"]));
    assert.equal(cm.data.a, "2");
  });

  test("create namespace, secret generic, configmap and deployment (protobuf bodies)", async () => {
    assert.match(await kubectl.ok(["create", "namespace", "blue"]), /namespace\/blue created/);
    assert.match(await kubectl.ok(["-n", "blue", "create", "secret", "generic", "apikey", "--from-literal=key=s3cret"]), /secret\/apikey created/);
    assert.match(await kubectl.ok(["-n", "blue", "create", "configmap", "cfg", "--from-literal=mode=fast"]), /configmap\/cfg created/);
    assert.match(await kubectl.ok(["-n", "blue", "create", "deployment", "api", "--image=nginx", "--replicas=3"]), /deployment.apps\/api created/);
    const secret = JSON.parse(await kubectl.ok(["-n", "blue", "get", "secret", "apikey", "-o", "json"]));
    assert.equal(Buffer.from(secret.data.key, "base64").toString(), "s3cret");
    assert.equal(secret.type, "Opaque");
    const d = JSON.parse(await kubectl.ok(["-n", "blue", "get", "deploy", "api", "-o", "json"]));
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.selector.matchLabels, { app: "api" });
    assert.equal(d.spec.template.spec.containers[0].image, "nginx");
  });

  test("delete removes objects; deleting a namespace deletes everything in it", async () => {
    assert.match(await kubectl.ok(["delete", "pod", "pingpong"]), /pod "pingpong" deleted/);
    assert.match((await kubectl.run(["get", "pod", "pingpong"])).stderr, /NotFound|not found/);
    assert.match(await kubectl.ok(["delete", "namespace", "blue"]), /namespace "blue" deleted/);
    const gone = await api.request("GET", "/api/v1/namespaces/blue");
    assert.equal(gone.status, 404);
    for (const p of ["/api/v1/namespaces/blue/secrets", "/api/v1/namespaces/blue/configmaps", "/apis/apps/v1/namespaces/blue/deployments"]) {
      const list = (await api.request("GET", p)).json<{ items: unknown[] }>();
      assert.equal(list.items.length, 0, p);
    }
  });

  test("get -w prints changes as they happen", async () => {
    const watcher = kubectl.spawn(["get", "configmaps", "-w"]);
    let out = "";
    watcher.stdout.on("data", (d) => (out += d));
    try {
      await waitFor(() => /settings/.test(out));
      await kubectl.ok(["create", "configmap", "watched", "--from-literal=x=y"]);
      await waitFor(() => /watched\s+1/.test(out));
    } finally {
      watcher.kill();
    }
    assert.match(out, /NAME\s+DATA\s+AGE/);
  });

  test("explain pods describes fields from OpenAPI", async () => {
    const out = await kubectl.ok(["explain", "pods.spec.containers.image"]);
    assert.match(out, /KIND:\s+Pod/);
    assert.match(out, /FIELD:\s+image/);
  });

  test("an invalid pod is refused with 422 naming the field", async () => {
    const r = await kubectl.run(["run", "bad", "--image="]);
    assert.notEqual(r.code, 0);
    const res = await api.request("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "bad" }, spec: { containers: [{ name: "c" }] } });
    assert.equal(res.status, 422);
    const status = res.json<{ reason: string; details: { causes: { field: string; message: string }[] } }>();
    assert.equal(status.reason, "Invalid");
    assert.deepEqual(status.details.causes.map((c) => c.field), ["spec.containers[0].image"]);
    assert.equal((await api.request("GET", "/api/v1/namespaces/default/pods/bad")).status, 404);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}
