// RBAC end to end: the real `gantry master` and the real kubectl (v1.32). A service account's
// token (`kubectl create token`) is a user RBAC decides for: nothing without a binding, then what
// the default roles view, edit and admin allow in one namespace; escalation through RBAC objects
// is refused; an aggregated role gathers a labelled ClusterRole's rules; the controllers still
// work under their own roles (a Deployment gets its ReplicaSet and pods).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { Kubectl } from "./helpers/kubectl";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

const NS = "team";
const GANTRY = path.resolve(__dirname, "../cli/gantry.js");
let s: KubectlSession;
let robot: Kubectl;

/** A kubectl whose kubeconfig is the admin's with the user swapped for a bearer token. */
async function kubectlWithToken(token: string, name: string): Promise<Kubectl> {
  const file = s.file(`${name}.kubeconfig`, "");
  copyFileSync(s.master.kubeconfig, file);
  const k = new Kubectl(file);
  await k.ok(["config", "set-credentials", name, `--token=${token}`]);
  await k.ok(["config", "set-context", "--current", `--user=${name}`]);
  return k;
}

/** Retries while a binding just written is not yet in the master's RBAC cache. */
async function eventually(what: string, args: string[], want: RegExp, k: Kubectl = robot): Promise<string> {
  return waitFor(what, async () => {
    const r = await k.run(args);
    const out = r.stdout + r.stderr;
    return want.test(out) ? out : undefined;
  }, 10_000);
}

before(async () => {
  s = await startKubectlSession();
  await s.kubectl.ok(["create", "namespace", NS]);
  await s.kubectl.ok(["create", "namespace", "elsewhere"]);
  await s.kubectl.ok(["create", "serviceaccount", "robot", "-n", NS]);
  const token = (await s.kubectl.ok(["create", "token", "robot", "-n", NS])).trim();
  robot = await kubectlWithToken(token, "robot");
});

after(async () => {
  robot?.cleanup();
  await s?.stop();
});

describe("RBAC with the real kubectl", () => {
  test("the admin may do anything; a service account without bindings gets Kubernetes' 403", async () => {
    assert.match(await s.kubectl.ok(["get", "clusterroles", "cluster-admin", "view", "edit", "admin", "system:controller:replicaset-controller", "--no-headers"]), /cluster-admin/);
    const r = await robot.run(["get", "pods", "-n", NS]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(Forbidden\): pods is forbidden: User "system:serviceaccount:team:robot" cannot list resource "pods" in API group "" in the namespace "team"/);
    const who = await robot.ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
    assert.equal(who, "system:serviceaccount:team:robot", "system:basic-user lets every authenticated user ask who they are");
  });

  test("a RoleBinding to view: list and get in its namespace, nothing written, no Secrets, nothing elsewhere", async () => {
    await s.kubectl.ok(["create", "configmap", "settings", "-n", NS, "--from-literal=a=1"]);
    await s.kubectl.ok(["create", "secret", "generic", "password", "-n", NS, "--from-literal=p=x"]);
    await s.kubectl.ok(["create", "rolebinding", "robot-view", "--clusterrole=view", "--serviceaccount=team:robot", "-n", NS]);
    await eventually("robot lists configmaps", ["get", "configmaps", "-n", NS, "-o", "name"], /configmap\/settings/);
    const create = await robot.run(["create", "configmap", "mine", "-n", NS, "--from-literal=b=2"]);
    assert.match(create.stderr, /configmaps is forbidden: User "system:serviceaccount:team:robot" cannot create resource "configmaps" in API group "" in the namespace "team"/);
    const secret = await robot.run(["get", "secret", "password", "-n", NS]);
    assert.match(secret.stderr, /secrets "password" is forbidden: User "system:serviceaccount:team:robot" cannot get resource "secrets" in API group "" in the namespace "team"/);
    const elsewhere = await robot.run(["get", "configmaps", "-n", "elsewhere"]);
    assert.match(elsewhere.stderr, /cannot list resource "configmaps" in API group "" in the namespace "elsewhere"/);
  });

  test("edit writes workloads and Secrets but not RBAC; the controllers, under their own roles, still make the pods", async () => {
    await s.kubectl.ok(["create", "rolebinding", "robot-edit", "--clusterrole=edit", "--serviceaccount=team:robot", "-n", NS]);
    await eventually("robot creates a deployment", ["create", "deployment", "web", "--image=busybox", "--replicas=2", "-n", NS], /deployment.apps\/web created/);
    await waitFor("the deployment's two pods", async () => (await s.kubectl.ok(["get", "pods", "-n", NS, "-l", "app=web", "-o", "name"])).trim().split("\n").filter(Boolean).length === 2, 20_000);
    assert.match(await robot.ok(["get", "secret", "password", "-n", NS, "-o", "name"]), /secret\/password/);
    const role = await robot.run(["create", "role", "reader", "--verb=get", "--resource=pods", "-n", NS]);
    assert.match(role.stderr, /roles.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:team:robot" cannot create resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "team"/);
  });

  test("admin writes Roles and RoleBindings in its namespace, but cannot grant what it does not hold", async () => {
    await s.kubectl.ok(["create", "rolebinding", "robot-admin", "--clusterrole=admin", "--serviceaccount=team:robot", "-n", NS]);
    await eventually("robot creates a role it holds", ["create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "-n", NS], /role.rbac.authorization.k8s.io\/pod-reader created/);
    const nodes = await robot.run(["create", "role", "node-reader", "--verb=get", "--resource=nodes", "-n", NS]);
    assert.match(nodes.stderr, /roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "system:serviceaccount:team:robot" \(groups=\["system:serviceaccounts" "system:serviceaccounts:team" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["get"\]\}/);
    const bind = await robot.run(["create", "rolebinding", "robot-root", "--clusterrole=cluster-admin", "--serviceaccount=team:robot", "-n", NS]);
    assert.match(bind.stderr, /rolebindings.rbac.authorization.k8s.io "robot-root" is forbidden: user "system:serviceaccount:team:robot" .* is attempting to grant RBAC permissions not currently held/);
    assert.match(await s.kubectl.ok(["get", "roles", "-n", NS, "-o", "name"]), /^role.rbac.authorization.k8s.io\/pod-reader$/m);
    assert.doesNotMatch(await s.kubectl.ok(["get", "rolebindings", "-n", NS, "-o", "name"]), /robot-root/);
  });

  test("a ClusterRole labelled aggregate-to-view adds its rules to view (and so to edit and admin)", async () => {
    await s.kubectl.ok(["apply", "-f", "-"], {
      stdin: JSON.stringify({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "crontab-viewer", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
        rules: [{ apiGroups: ["stable.example.com"], resources: ["crontabs"], verbs: ["get", "list", "watch"] }],
      }),
    });
    for (const role of ["view", "edit", "admin"]) {
      await waitFor(`${role} gathers crontabs`, async () => (await s.kubectl.ok(["get", "clusterrole", role, "-o", "json"])).includes('"crontabs"'), 10_000);
    }
  });

  test("/metrics: the system:monitoring group may scrape, a service account may not", async () => {
    const file = s.file("prometheus.kubeconfig", "");
    await promisify(execFile)(process.execPath, [GANTRY, "kubeconfig", "--user", "prometheus", "--group", "system:monitoring", "--data-dir", s.master.dataDir, "--out", file]);
    const prometheus = new Kubectl(file);
    try {
      assert.match(await prometheus.ok(["get", "--raw", "/metrics"]), /^# HELP apiserver_request_total/m);
      assert.equal((await prometheus.ok(["auth", "can-i", "get", "/metrics"])).trim(), "yes");
      const pods = await prometheus.run(["get", "pods"]);
      assert.match(pods.stderr, /User "prometheus" cannot list resource "pods"/);
    } finally {
      prometheus.cleanup();
    }
    const r = await robot.run(["get", "--raw", "/metrics"]);
    assert.match(r.stderr, /forbidden: User "system:serviceaccount:team:robot" cannot get path "\/metrics"/);
  });

  test("kubectl auth can-i, for the service account and about it", async () => {
    assert.equal((await robot.ok(["auth", "can-i", "create", "deployments", "-n", NS])).trim(), "yes");
    const no = await robot.run(["auth", "can-i", "get", "nodes"]);
    assert.deepEqual([no.code, no.stdout.trim()], [1, "no"]);
    const list = await robot.ok(["auth", "can-i", "--list", "-n", NS]);
    assert.match(list, /^pods\s+\[\]\s+\[\]\s+\[.*create.*\]$/m, list);
    const asOther = await s.kubectl.run(["auth", "can-i", "create", "pods", "--as=system:serviceaccount:elsewhere:nobody", "-n", "elsewhere"]);
    assert.deepEqual([asOther.code, asOther.stdout.trim()], [1, "no"]);
  });
});
