// Clients nobody here wrote, older than the kubectl 1.32 the other tests drive. One master and
// one agent, each in its own test host (helpers/cluster.ts), and two kubectls in the client host:
//
//   kubectl 1.32   `apply -f` of a `kind: List` file, with validation: the items are validated
//                  client-side against /openapi/v2; exec over its SPDY fallback
//   kubectl 1.20   Debian's kubernetes-client (helpers/old-kubectl.ts): OpenAPI v2 only for
//                  apply, explain and diff; SPDY/3.1 for exec, exec -it, attach, cp, port-forward
//
// plus a raw SPDY client for the remote-command versions kubectl 1.20 does not pick (v5, v3, v2).
// The last test prints, for the issue, what each client can and cannot do.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { API_PORT, startCluster, type GantryCluster } from "./helpers/cluster";
import { requireKubectl120 } from "./helpers/old-kubectl";
import { startTerminal } from "./helpers/terminal";

const SPDY_CHECK = path.resolve(__dirname, "helpers/spdy-exec-scenarios.js");

describe("older clients: kubectl 1.20 and kubectl 1.32 with OpenAPI v2", { timeout: 900_000 }, () => {
  let cluster: GantryCluster;
  let scratch = "";
  let kubectl120 = "";
  const can: string[] = [];

  /** kubectl 1.20 in the client host, with its own discovery and HTTP cache. */
  const old = (args: string[], options: { input?: string; timeoutMs?: number } = {}) =>
    cluster.client.exec(kubectl120, ["--kubeconfig", cluster.kubeconfig, "--cache-dir", path.join(scratch, "cache-1.20"), ...args], { timeoutMs: options.timeoutMs ?? 60_000, input: options.input });
  const oldLine = () => [kubectl120, "--kubeconfig", cluster.kubeconfig, "--cache-dir", path.join(scratch, "cache-1.20")].join(" ");
  const shell = (script: string, timeoutMs = 60_000) => cluster.client.exec("sh", ["-c", script], { timeoutMs });
  const file = async (name: string, content: string) => {
    const p = path.join(scratch, name);
    await writeFile(p, content);
    return p;
  };

  before(async () => {
    kubectl120 = requireKubectl120();
    scratch = await mkdtemp(path.join(os.tmpdir(), "gantry-older-clients-"));
    cluster = await startCluster({ agents: ["node-a"] });
    const busybox = `${cluster.registry}/gantry/busybox:1`;
    const pod = (name: string, image: string, command?: string[]) =>
      ["apiVersion: v1", "kind: Pod", `metadata: {name: ${name}}`, "spec:", "  terminationGracePeriodSeconds: 1", "  containers:", "  - name: c", `    image: ${image}`, command ? `    command: ${JSON.stringify(command)}` : ""].join("\n");
    const pods = [
      pod("sleeper", busybox, ["sleep", "3600"]),
      pod("ticker", busybox, ["sh", "-c", "trap 'exit 0' TERM; i=0; while :; do i=$((i+1)); echo tick $i; sleep 1; done"]),
      pod("web", `${cluster.registry}/gantry/web:1`),
    ].join("\n---\n");
    await cluster.kubectlOk(["apply", "-f", "-"], { input: pods });
    await cluster.kubectlOk(["wait", "--for=condition=Ready", "pod/sleeper", "pod/ticker", "pod/web", "--timeout=120s"], { timeoutMs: 130_000 });
  });

  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    const problems = await cluster?.stop();
    if (problems?.length) throw new Error(`cleanup: ${problems.join("; ")}`);
  });

  const deployment = (name: string, image: string, extraSpec = "") =>
    [
      "apiVersion: apps/v1",
      "kind: Deployment",
      `metadata: {name: ${name}}`,
      "spec:",
      "  replicas: 0",
      extraSpec,
      `  selector: {matchLabels: {app: ${name}}}`,
      "  template:",
      `    metadata: {labels: {app: ${name}}}`,
      "    spec:",
      "      containers:",
      `      - {name: main, image: "${image}"}`,
      `      - {name: side, image: "side:1"}`,
    ]
      .filter(Boolean)
      .join("\n");

  test("kubectl 1.32 applies a kind: List file with validation on; an unknown field is refused before anything is written", async () => {
    const list = (suffix: string, extraSpec: string) =>
      ["apiVersion: v1", "kind: List", "items:", ...[`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: list-cm${suffix}}\ndata: {a: b}`, deployment(`list-web${suffix}`, "web:1", extraSpec)].map((i) => `- ${i.split("\n").join("\n  ")}`)].join("\n");
    const good = await file("list.yaml", list("", ""));
    const applied = await cluster.kubectl(["apply", "-f", good]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /configmap\/list-cm created/);
    assert.match(applied.stdout, /deployment.apps\/list-web created/);

    const bad = await file("list-bad.yaml", list("-bad", "  replcas: 2"));
    const refused = await cluster.kubectl(["apply", "-f", bad]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /error validating data: ValidationError\(Deployment\.spec\): unknown field "replcas" in io\.k8s\.api\.apps\.v1\.DeploymentSpec/);
    // Client-side validation runs before any request: not even the valid ConfigMap is written.
    assert.match((await cluster.kubectl(["get", "configmap", "list-cm-bad"])).stderr, /NotFound/);
    can.push("kubectl 1.32: apply -f of a kind: List with --validate=strict (client-side, against /openapi/v2)");
  });

  test("kubectl 1.20 apply: validates against /openapi/v2, creates, then patches one container by its merge key", async () => {
    const first = await file("d1.yaml", deployment("old-web", "web:1"));
    const created = await old(["apply", "-f", first]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /deployment.apps\/old-web created/);

    const bad = await file("d-bad.yaml", deployment("old-web", "web:1", "  replcas: 2"));
    const refused = await old(["apply", "-f", bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /ValidationError\(Deployment\.spec\): unknown field "replcas" in io\.k8s\.api\.apps\.v1\.DeploymentSpec/);

    const second = await file("d2.yaml", deployment("old-web", "web:2"));
    const patched = await old(["apply", "-f", second, "-v=8"]);
    assert.equal(patched.code, 0, patched.stderr);
    assert.match(patched.stdout, /deployment.apps\/old-web configured/);
    // The strategic merge patch names the container by its merge key and leaves the other alone.
    assert.match(patched.stderr, /"\$setElementOrder\/containers":\[\{"name":"main"\},\{"name":"side"\}\]/);
    const images = await cluster.kubectlOk(["get", "deployment", "old-web", "-o", "jsonpath={.spec.template.spec.containers[*].image}"]);
    assert.equal(images, "web:2 side:1");
    can.push("kubectl 1.20: apply (client-side validation and strategic merge patches from /openapi/v2)");
  });

  test("kubectl 1.20 explain deployment.spec walks the /openapi/v2 definitions", async () => {
    const r = await old(["explain", "deployment.spec"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^KIND:\s+Deployment$/m);
    assert.match(r.stdout, /^VERSION:\s+apps\/v1$/m);
    assert.match(r.stdout, /^RESOURCE: spec <Object>$/m);
    assert.match(r.stdout, /^ {3}replicas\t<integer>$/m);
    assert.match(r.stdout, /^ {3}template\t<Object> -required-$/m);
    const deep = await old(["explain", "deployment.spec.template.spec.containers.ports"]);
    assert.equal(deep.code, 0, deep.stderr);
    assert.match(deep.stdout, /^ {3}containerPort\t<integer> -required-$/m);
    can.push("kubectl 1.20: explain");
  });

  test("kubectl 1.20 diff: a server-side dry run shows the change and writes nothing", async () => {
    const third = await file("d3.yaml", deployment("old-web", "web:3"));
    const before = await cluster.kubectlOk(["get", "deployment", "old-web", "-o", "jsonpath={.metadata.resourceVersion}"]);
    const changed = await old(["diff", "-f", third]);
    assert.equal(changed.code, 1, `diff exits 1 when something differs: ${changed.stderr}`);
    assert.match(changed.stdout, /^-\s+- image: web:2$/m);
    assert.match(changed.stdout, /^\+\s+- image: web:3$/m);
    assert.equal(await cluster.kubectlOk(["get", "deployment", "old-web", "-o", "jsonpath={.metadata.resourceVersion}"]), before, "diff changed the object");
    const same = await old(["diff", "-f", await file("d2-again.yaml", deployment("old-web", "web:2"))]);
    assert.equal(same.code, 0, `${same.stdout}${same.stderr}`);
    can.push("kubectl 1.20: diff");
  });

  test("kubectl 1.20 exec over SPDY: stdout, stderr, stdin, and exit codes passed through", async () => {
    const hi = await old(["exec", "sleeper", "--", "echo", "hi"]);
    assert.deepEqual([hi.code, hi.stdout], [0, "hi\n"], hi.stderr);
    const failed = await old(["exec", "sleeper", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.equal(failed.code, 3, failed.stderr);
    assert.equal(failed.stdout, "out\n");
    assert.match(failed.stderr, /^err$/m);
    assert.match(failed.stderr, /command terminated with exit code 3/);
    const echoed = await old(["exec", "-i", "sleeper", "--", "cat"], { input: "through stdin\n" });
    assert.deepEqual([echoed.code, echoed.stdout], [0, "through stdin\n"], echoed.stderr);
    const missing = await old(["exec", "sleeper", "--", "/no/such/binary"]);
    assert.notEqual(missing.code, 0);
    can.push("kubectl 1.20: exec over SPDY (v4.channel.k8s.io), exit codes passed through");
  });

  test("kubectl 1.32 without WebSockets (its SPDY fallback) negotiates v5 and passes exit codes through", async () => {
    const line = ["kubectl", ...cluster.kubectlPrefix()].join(" ");
    const r = await shell(`KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false ${line} exec sleeper -v=8 -- sh -c 'echo fallback; exit 4'; echo "exit $?"`);
    assert.match(r.stdout, /^fallback\nexit 4\n$/, r.stderr);
    assert.match(r.stderr, /X-Stream-Protocol-Version: v5\.channel\.k8s\.io/);
    assert.match(r.stderr, /Upgrade: SPDY\/3\.1/);
    can.push("kubectl 1.32: exec over SPDY (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false, v5 over SPDY)");
  });

  test("kubectl 1.20 exec -it answers on a terminal", async () => {
    const term = startTerminal(cluster.client, `timeout --foreground 20 ${oldLine()} exec -it sleeper -- sh`);
    try {
      await term.expect("a shell prompt", /[#$] /, 20_000);
      term.type("echo $((6*7)); tty\r");
      await term.expect("the answer on a terminal", /\n42\r*\n[^]*\/dev\/pts\/\d+/, 10_000);
      term.type("exit 5\r");
      assert.equal(await term.exitCode(), 5, term.output());
    } finally {
      term.kill();
    }
    can.push("kubectl 1.20: exec -it (a TTY, resize stream)");
  });

  test("kubectl 1.20 attach streams the main process's output", async () => {
    const r = await shell(`timeout -s INT 4 ${oldLine()} attach ticker; true`, 30_000);
    assert.ok((r.stdout.match(/tick \d+/g) ?? []).length >= 2, `attach showed ${JSON.stringify(r.stdout)} ${r.stderr}`);
    can.push("kubectl 1.20: attach");
  });

  test("kubectl 1.20 cp: a file into a pod and back, same bytes", async () => {
    const original = await file("payload.bin", "");
    const bytes = randomBytes(1_500_000);
    await writeFile(original, bytes);
    const back = path.join(scratch, "payload.back");
    const into = await old(["cp", original, "default/sleeper:/tmp/payload.bin"], { timeoutMs: 120_000 });
    assert.equal(into.code, 0, into.stderr);
    const out = await old(["cp", "default/sleeper:/tmp/payload.bin", back], { timeoutMs: 120_000 });
    assert.equal(out.code, 0, out.stderr);
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    assert.equal(sha(readFileSync(back)), sha(bytes));
    can.push("kubectl 1.20: cp both ways (tar over exec with stdin half-close)");
  });

  test("kubectl 1.20 port-forward over SPDY reaches a server inside the pod", async () => {
    const r = await shell(
      [
        `${oldLine()} port-forward pod/web 18090:8080 > ${scratch}/pf.log 2>&1 & p=$!`,
        `for i in $(seq 50); do curl -s -m 2 http://127.0.0.1:18090/ > ${scratch}/pf.out && break; sleep 0.2; done`,
        // More connections, one after another: each is a new pair of SPDY streams.
        `for i in 1 2 3 4 5; do curl -s -m 10 http://127.0.0.1:18090/ >> ${scratch}/pf.out; done`,
        "kill $p; wait $p",
        `cat ${scratch}/pf.out; cat ${scratch}/pf.log >&2`,
      ].join("\n"),
    );
    assert.equal(r.stdout, "web v1\n".repeat(6), r.stderr);
    assert.match(r.stderr, /Forwarding from 127\.0\.0\.1:18090 -> 8080/);
    assert.doesNotMatch(r.stderr, /error|lost connection/i);
    can.push("kubectl 1.20: port-forward (portforward.k8s.io over SPDY)");
  });

  test("a raw SPDY client: v5, v4, v3 and v2 remote-command (exit codes, stdin half-close, resize)", async (t) => {
    const args = { server: `https://${cluster.masterHost.address}:${API_PORT}`, kubeconfig: cluster.kubeconfig, namespace: "default", sleeper: "sleeper" };
    const r = await cluster.client.exec(process.execPath, [SPDY_CHECK, JSON.stringify(args)], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    const seen = JSON.parse(r.stdout) as Record<string, { protocol: string; stdout: string; stderr: string; error: string } | { status: number; body: string }>;
    t.diagnostic(JSON.stringify(seen));
    const run = (key: string) => seen[key] as { protocol: string; stdout: string; stderr: string; error: string };
    for (const v of ["v5", "v4", "v3", "v2"]) {
      assert.equal(run(`${v} exit 7`).protocol, `${v}.channel.k8s.io`);
      assert.equal(run(`${v} exit 7`).stdout, "out\n");
      assert.equal(run(`${v} exit 7`).stderr, "err\n");
      assert.equal(run(`${v} stdin`).stdout, "through stdin\n");
    }
    // v4 (and v5, which over SPDY is v4): a Status in JSON, with the exit code.
    for (const v of ["v5", "v4"]) {
      const status = JSON.parse(run(`${v} exit 7`).error) as { status: string; reason: string; details: { causes: { reason: string; message: string }[] } };
      assert.deepEqual([status.status, status.reason, status.details.causes], ["Failure", "NonZeroExitCode", [{ reason: "ExitCode", message: "7" }]]);
      assert.deepEqual(JSON.parse(run(`${v} success`).error), { metadata: {}, status: "Success" });
    }
    // v2, v3: plain text on failure, nothing on success.
    for (const v of ["v3", "v2"]) {
      assert.match(run(`${v} exit 7`).error, /^command terminated with non-zero exit code: .*exit code 7$/);
      assert.equal(run(`${v} success`).error, "");
    }
    // The terminal has the size sent on the resize stream before the command started.
    for (const v of ["v4", "v3"]) assert.equal(run(`${v} tty`).stdout.trim(), "45 123");
    const v1 = seen["v1 only"] as { status: number; body: string };
    assert.equal(v1.status, 400);
    assert.match(v1.body, /unable to negotiate protocol: client supports \[channel\.k8s\.io\], server accepts \[v5\.channel\.k8s\.io v4\.channel\.k8s\.io v3\.channel\.k8s\.io v2\.channel\.k8s\.io\]/);
    can.push("client-go SPDY remote-command v5/v4/v3/v2 (v2 and v3 cannot carry exit codes: kubectl then exits 1)");
  });

  test("what each client can and cannot do", async (t) => {
    // Probed, not asserted: other parts of the API may come to serve these.
    const probes: [string, string[]][] = [
      ["apply --server-side", ["apply", "--server-side", "-f", path.join(scratch, "d2.yaml")]],
      ["auth can-i (SelfSubjectAccessReview)", ["auth", "can-i", "create", "pods"]],
      ["top nodes (metrics.k8s.io)", ["top", "nodes"]],
    ];
    const cannot = ["SPDY remote-command v1 (channel.k8s.io, Kubernetes 1.0-1.3) is not served"];
    for (const [what, args] of probes) {
      for (const [client, r] of [
        ["kubectl 1.32", await cluster.kubectl(args)],
        ["kubectl 1.20", await old(args)],
      ] as const) {
        if (r.code === 0) can.push(`${client}: ${what}`);
        else cannot.push(`${client}: ${what} (${r.stderr.trim().split("\n")[0]})`);
      }
    }
    t.diagnostic(`can: ${can.join(" | ")}`);
    t.diagnostic(`cannot: ${cannot.join(" | ")}`);
    for (const shown of ["kind: List", "1.32: exec over SPDY", "1.20: apply", "1.20: explain", "1.20: diff", "1.20: exec over SPDY", "1.20: exec -it", "1.20: attach", "1.20: cp", "1.20: port-forward", "v5/v4/v3/v2"]) {
      assert.ok(can.some((c) => c.includes(shown)), `not shown to work: ${shown}`);
    }
  });
});
