import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1";
import { buildContainerConfig } from "./container-config";
import { PodPaths } from "./pod-paths";
import { containerResources } from "./resources";
import { resolveUser } from "./user";
import { planVolumes } from "./volumes";
import { lookupFrom } from "./volume-data";

const pod: Pod = {
  metadata: { name: "web", namespace: "default", uid: "u-1" },
  spec: {
    hostname: "front",
    volumes: [{ name: "data", emptyDir: {} }],
    containers: [
      {
        name: "app",
        image: "registry.test/app:1",
        args: ["--listen=:$(PORT)"],
        env: [{ name: "PORT", value: "8080" }],
        workingDir: "/srv",
        volumeMounts: [{ name: "data", mountPath: "/data" }],
        resources: { limits: { cpu: "500m", memory: "128Mi" } },
        securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true },
        tty: true,
      },
    ],
  },
};
const paths = new PodPaths("/pods", "u-1");
const facts = { nodeName: "n", hostIP: "10.0.0.1", podIPs: [] };

test("a complete ContainerConfig: argv, env, user, mounts, resources, labels", () => {
  const image = { config: { architecture: "amd64", os: "linux", config: { Entrypoint: ["/app"], Cmd: ["--help"], Env: ["PATH=/bin"], User: "nobody", StopSignal: "SIGQUIT" }, rootfs: { type: "layers" as const, diff_ids: [] } }, layers: ["/l/0", "/l/1"] };
  const volumes = planVolumes(pod, paths, lookupFrom([]), facts);
  const { config } = buildContainerConfig({ pod, container: pod.spec!.containers[0], kind: "app", attempt: 2, id: "cid", image, data: lookupFrom([]), facts, paths, volumes, netnsPath: "/run/ns/x", ipcnsPath: "/pods/u-1/ns/ipc", utsnsPath: "/pods/u-1/ns/uts", cgroupParent: "/gantry/podu-1" });
  assert.deepEqual(config.args, ["/app", "--listen=:8080"]);
  assert.deepEqual(config.env, ["PATH=/bin", "PORT=8080"]);
  assert.equal(config.user, "1000");
  assert.equal(config.workingDir, "/srv");
  assert.equal(config.hostname, "front");
  assert.equal(config.stopSignal, "SIGQUIT");
  assert.equal(config.readOnlyRootfs, true);
  assert.equal(config.tty, true);
  assert.deepEqual(config.layers, ["/l/0", "/l/1"]);
  assert.equal(config.netnsPath, "/run/ns/x");
  assert.deepEqual(config.resources, { cpuRequestMillis: 500, cpuLimitMillis: 500, memoryLimitBytes: 134217728, memoryRequestBytes: 134217728 });
  assert.deepEqual(
    config.mounts.map((m) => [m.destination, m.source]),
    [
      ["/etc/hosts", "/pods/u-1/etc-hosts"],
      ["/etc/hostname", "/pods/u-1/etc-hostname"],
      ["/etc/resolv.conf", "/pods/u-1/resolv.conf"],
      ["/dev/termination-log", "/pods/u-1/containers/app/2-termination-log"],
      ["/data", "/pods/u-1/volumes/empty-dir/data"],
    ],
  );
  assert.equal(config.labels["io.kubernetes.pod.uid"], "u-1");
  assert.equal(config.labels["gantry.io/attempt"], "2");
  assert.equal(config.labels["io.kubernetes.container.name"], "app");
});

test("user: container over pod over image", () => {
  const p = (sc: object): Pod => ({ spec: { containers: [], securityContext: sc } });
  assert.equal(resolveUser(p({}), { name: "c" }, "nobody"), "nobody");
  assert.equal(resolveUser(p({}), { name: "c" }, ""), undefined);
  assert.equal(resolveUser(p({ runAsUser: 5, runAsGroup: 6 }), { name: "c" }, "nobody"), "5:6");
  assert.equal(resolveUser(p({ runAsUser: 5 }), { name: "c", securityContext: { runAsUser: 7 } }, undefined), "7");
  assert.equal(resolveUser(p({ runAsGroup: 9 }), { name: "c" }, "app:app"), "app:9");
});

test("resources: a limit implies the request; bad quantities are config errors", () => {
  assert.deepEqual(containerResources({ name: "c", resources: { requests: { cpu: "0.1" } } }), { cpuRequestMillis: 100 });
  assert.deepEqual(containerResources({ name: "c", resources: { limits: { memory: "1Gi" } } }), { memoryLimitBytes: 1073741824, memoryRequestBytes: 1073741824 });
  assert.throws(() => containerResources({ name: "c", resources: { limits: { cpu: "lots" } } }), { reason: "CreateContainerConfigError" });
});
