// Service accounts end to end on the multi-host topology (helpers/cluster.ts: `gantry init`, two
// joined agents with CNI networking, kubectl on a client host). A pod's projected token volume
// (token, ca.crt, namespace) comes from the master through the agent's session; the real
// kubectl inside the pod (test/images/kubectl-image.ts) uses it exactly as in-cluster clients
// do — KUBERNETES_SERVICE_HOST:PORT is the `kubernetes` Service, whose endpoints list the master
// — and the API says who it is (`kubectl auth whoami`) and RBAC what it may do. `kubectl create token` tokens
// authenticate until their pod is gone, and the token file is replaced before it expires (the
// master caps token lifetimes at 20 s here, so the agent refreshes after 16).
//
// All traffic stays inside the test namespaces; after() removes everything.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startCluster, type GantryCluster } from "./helpers/cluster";
import { waitFor } from "./helpers/wait";
import { KUBECTL_IMAGE } from "./images/kubectl-image";

const KUBECTL_IMAGE_SCRIPT = path.resolve(__dirname, "images/kubectl-image.js");
const MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
const MAX_TOKEN_SECONDS = 20;
const NS = "sa-e2e";
let c: GantryCluster;
let image = "";

interface Claims {
  sub: string;
  aud: string[];
  iat: number;
  exp: number;
  "kubernetes.io": { namespace: string; serviceaccount: { name: string; uid: string }; pod: { name: string; uid: string }; node?: { name: string } };
}

const claimsOf = (jwt: string): Claims => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()) as Claims;

before(async () => {
  c = await startCluster({ agents: ["node-a", "node-b"], initArgs: ["--service-account-max-token-expiration", `${MAX_TOKEN_SECONDS}s`] });
  const pushed = await c.masterHost.exec(process.execPath, [KUBECTL_IMAGE_SCRIPT, `http://${c.registry}`], { timeoutMs: 120_000 });
  if (pushed.code !== 0) throw new Error(`pushing the kubectl image failed:\n${pushed.stderr}${pushed.stdout}`);
  image = `${c.registry}/${KUBECTL_IMAGE.repo}:${KUBECTL_IMAGE.tag}`;
  await c.kubectlOk(["create", "namespace", NS]);
  await c.kubectlOk(["create", "serviceaccount", "builder", "-n", NS]);
});

after(async () => {
  const problems = (await c?.stop()) ?? [];
  assert.deepEqual(problems, [], "cleanup");
});

/** A pod running `sleep` in the kubectl image as `account`, Running on some node. */
async function runPod(name: string, account: string, extra: Record<string, unknown> = {}): Promise<{ uid: string; node: string }> {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS },
    spec: { serviceAccountName: account, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image, command: ["sleep", "3600"] }], ...extra },
  };
  await c.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(pod) });
  return waitFor(`pod ${name} Running`, async () => {
    const p = JSON.parse(await c.kubectlOk(["get", "pod", name, "-n", NS, "-o", "json"])) as { metadata: { uid: string }; spec: { nodeName?: string }; status: { phase?: string } };
    return p.status.phase === "Running" ? { uid: p.metadata.uid, node: p.spec.nodeName! } : undefined;
  }, 120_000, 500);
}

const inPod = (pod: string, command: string[], timeoutMs = 30_000) => c.kubectl(["exec", pod, "-n", NS, "--", ...command], { timeoutMs });
const catInPod = async (pod: string, file: string) => {
  const r = await inPod(pod, ["cat", `${MOUNT}/${file}`]);
  if (r.code !== 0) throw new Error(`cat ${file} in ${pod}: ${r.stderr}`);
  return r.stdout;
};

describe("service accounts: projected tokens, the kubernetes Service, TokenRequest", () => {
  let pod: { uid: string; node: string };

  test("the kubernetes Service's endpoints are the master, on the API port", async () => {
    const ep = await waitFor("default/kubernetes endpoints", async () => {
      const out = await c.kubectlOk(["get", "endpoints", "kubernetes", "-n", "default", "-o", "jsonpath={.subsets[*].addresses[*].ip}:{.subsets[*].ports[*].port}:{.subsets[*].ports[*].name}"]);
      return out.startsWith(c.masterHost.address) ? out : undefined;
    });
    assert.equal(ep, `${c.masterHost.address}:6443:https`);
  });

  test("a pod's token volume holds its namespace, the cluster CA and a token bound to it", async () => {
    pod = await runPod("whoami", "builder");
    assert.equal(await catInPod("whoami", "namespace"), NS);
    assert.equal(await catInPod("whoami", "ca.crt"), await readFile(path.join(c.masterDataDir, "pki", "ca.crt"), "utf8"));
    const claims = claimsOf(await catInPod("whoami", "token"));
    assert.equal(claims.sub, `system:serviceaccount:${NS}:builder`);
    assert.deepEqual(claims["kubernetes.io"].pod, { name: "whoami", uid: pod.uid });
    assert.equal(claims["kubernetes.io"].node?.name, pod.node);
    assert.equal(claims.exp - claims.iat, MAX_TOKEN_SECONDS, "the master's maximum shortened the projection's 3607 s");
    const spec = await c.kubectlOk(["get", "pod", "whoami", "-n", NS, "-o", "jsonpath={.spec.volumes[0].name} {.spec.containers[0].volumeMounts[0].mountPath} {.spec.containers[0].volumeMounts[0].readOnly}"]);
    assert.match(spec, new RegExp(`^kube-api-access-[a-z0-9]{5} ${MOUNT} true$`));
  });

  test("kubectl inside the pod reaches the API at the kubernetes Service and is the service account", async () => {
    const r = await waitFor("kubectl auth whoami in the pod", async () => {
      const out = await inPod("whoami", ["kubectl", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups} {.status.userInfo.extra.authentication\\.kubernetes\\.io/pod-name}"]);
      if (out.code !== 0) throw new Error(out.stderr);
      return out.stdout;
    }, 60_000, 1000);
    assert.equal(r, `system:serviceaccount:${NS}:builder ["system:serviceaccounts","system:serviceaccounts:${NS}","system:authenticated"] ["whoami"]`);
    const env = await inPod("whoami", ["sh", "-c", "echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"]);
    assert.equal(env.stdout.trim(), "10.96.0.1:443");
  });

  test("RBAC decides what the pod's token may do: nothing without a binding, reads with a RoleBinding to view", async () => {
    const refused = await inPod("whoami", ["kubectl", "get", "pods", "-o", "name"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`pods is forbidden: User "system:serviceaccount:${NS}:builder" cannot list resource "pods" in API group "" in the namespace "${NS}"`), "the namespace comes from the mounted file");
    await c.kubectlOk(["create", "rolebinding", "builder-view", "--clusterrole=view", `--serviceaccount=${NS}:builder`, "-n", NS]);
    const pods = await waitFor("the pod's kubectl lists pods", async () => {
      const r = await inPod("whoami", ["kubectl", "get", "pods", "-o", "name"]);
      return r.code === 0 ? r.stdout : undefined;
    }, 20_000, 500);
    assert.match(pods, /^pod\/whoami$/m);
    const write = await inPod("whoami", ["kubectl", "create", "configmap", "from-pod", "--from-literal=a=1"]);
    assert.match(write.stderr, new RegExp(`configmaps is forbidden: User "system:serviceaccount:${NS}:builder" cannot create resource "configmaps" in API group "" in the namespace "${NS}"`));
  });

  test("the agent replaces the token file before the token expires", async () => {
    const before = await catInPod("whoami", "token");
    const old = claimsOf(before);
    const fresh = await waitFor("a new token in the pod", async () => {
      const now = await catInPod("whoami", "token");
      return now !== before ? now : undefined;
    }, (MAX_TOKEN_SECONDS + 5) * 1000, 500);
    const next = claimsOf(fresh);
    assert.ok(next.iat > old.iat, "issued later");
    // 80% of the lifetime: the new one was fetched while the old one still had a fifth left.
    assert.ok(next.iat <= old.exp - MAX_TOKEN_SECONDS / 5 + 2, `refreshed at ${next.iat}, the old one expired at ${old.exp}`);
    assert.equal(next["kubernetes.io"].pod.uid, pod.uid);
    const who = await inPod("whoami", ["kubectl", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
    assert.equal(who.stdout, `system:serviceaccount:${NS}:builder`, who.stderr);
  });

  test("kubectl create token: the token authenticates until the pod it is bound to is gone", async () => {
    const created = await c.kubectl(["create", "token", "builder", "-n", NS, "--duration", "10m", "--bound-object-kind", "Pod", "--bound-object-name", "whoami"]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, new RegExp(`requested expiration of 600 seconds shortened to ${MAX_TOKEN_SECONDS} seconds`));
    const token = created.stdout.trim();
    assert.deepEqual(claimsOf(token)["kubernetes.io"].pod, { name: "whoami", uid: pod.uid });
    const whoami = () => c.kubectl(["--token", token, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
    const ok = await whoami();
    assert.equal(ok.stdout, `system:serviceaccount:${NS}:builder`, ok.stderr);

    const short = await c.kubectl(["create", "token", "builder", "-n", NS, "--duration", "1m"]);
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
    const other = await c.kubectl(["create", "token", "default", "-n", NS, "--bound-object-kind", "Pod", "--bound-object-name", "whoami"]);
    assert.match(other.stderr, /cannot bind token for serviceaccount "default" to pod running with different serviceaccount name/);

    await c.kubectlOk(["delete", "pod", "whoami", "-n", NS, "--wait=true"], { timeoutMs: 60_000 });
    const refused = await whoami();
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Unauthorized/);
  });

  test("automountServiceAccountToken: false leaves the pod without a token; a missing account is refused", async () => {
    await runPod("no-token", "default", { automountServiceAccountToken: false });
    const ls = await inPod("no-token", ["ls", MOUNT]);
    assert.notEqual(ls.code, 0, "no token volume");
    const missing = await c.kubectl(["run", "ghost", "-n", NS, "--image", image, "--overrides", JSON.stringify({ spec: { serviceAccountName: "ghost" } })]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, new RegExp(`pods "ghost" is forbidden: error looking up service account ${NS}/ghost: serviceaccount "ghost" not found`));
  });
});
