import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1";
import { PodPaths } from "./pod-paths";
import { containerMounts, planVolumes } from "./volumes";
import { lookupFrom, type VolumeSourceData } from "./volume-data";

const paths = new PodPaths("/var/lib/gantry/pods", "u-1");
const facts = { nodeName: "n", hostIP: "10.0.0.1", podIPs: [] };
const obj = (kind: "ConfigMap" | "Secret", name: string, data: Record<string, string>): VolumeSourceData => ({
  kind, namespace: "default", name, resourceVersion: "1", exists: true, type: "", data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])),
});
const data = lookupFrom([obj("ConfigMap", "cfg", { "a.conf": "A", "b.conf": "B" }), obj("Secret", "creds", { user: "u", pass: "p" })]);
const pod = (volumes: NonNullable<Pod["spec"]>["volumes"]): Pod => ({ metadata: { name: "p", namespace: "default", uid: "u-1", labels: { x: "y" } }, spec: { containers: [], volumes } });

test("plans: emptyDir (disk and Memory), hostPath, configMap on disk, secret and projected on tmpfs", () => {
  const plans = planVolumes(
    pod([
      { name: "scratch", emptyDir: {} },
      { name: "ram", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      { name: "host", hostPath: { path: "/var/log", type: "Directory" } },
      { name: "cfg", configMap: { name: "cfg", items: [{ key: "a.conf", path: "conf/a.conf", mode: 0o600 }] } },
      { name: "creds", secret: { secretName: "creds", defaultMode: 0o400 } },
      { name: "all", projected: { sources: [{ configMap: { name: "cfg", items: [{ key: "b.conf", path: "b" }] } }, { downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } }] } },
    ]),
    paths,
    data,
    facts,
  );
  assert.deepEqual(plans[0], { name: "scratch", kind: "emptyDir", path: "/var/lib/gantry/pods/u-1/volumes/empty-dir/scratch", tmpfs: false });
  assert.deepEqual(plans[1], { name: "ram", kind: "emptyDir", path: "/var/lib/gantry/pods/u-1/volumes/empty-dir/ram", tmpfs: true, sizeLimitBytes: 64 * 1024 * 1024 });
  assert.deepEqual(plans[2], { name: "host", kind: "hostPath", path: "/var/log", type: "Directory" });
  assert.deepEqual(plans[3], { name: "cfg", kind: "files", path: "/var/lib/gantry/pods/u-1/volumes/configmap/cfg", tmpfs: false, files: [{ path: "conf/a.conf", data: Buffer.from("A"), mode: 0o600 }] });
  const creds = plans[4];
  assert.ok(creds.kind === "files" && creds.tmpfs);
  assert.deepEqual(creds.files.map((f) => [f.path, f.data.toString(), f.mode]), [["pass", "p", 0o400], ["user", "u", 0o400]]);
  const all = plans[5];
  assert.ok(all.kind === "files" && all.tmpfs);
  assert.deepEqual(all.files.map((f) => [f.path, f.data.toString(), f.mode]), [["b", "B", 0o644], ["labels", 'x="y"', 0o644]]);
});

test("missing objects and keys fail with FailedMount messages; optional ones give empty volumes", () => {
  assert.throws(() => planVolumes(pod([{ name: "v", configMap: { name: "nope" } }]), paths, data, facts), {
    name: "VolumeError",
    message: 'MountVolume.SetUp failed for volume "v" : configmap "nope" not found',
  });
  assert.throws(() => planVolumes(pod([{ name: "v", secret: { secretName: "creds", items: [{ key: "token", path: "t" }] } }]), paths, data, facts), {
    message: 'MountVolume.SetUp failed for volume "v" : references non-existent secret key: token',
  });
  const [opt] = planVolumes(pod([{ name: "v", secret: { secretName: "nope", optional: true } }]), paths, data, facts);
  assert.ok(opt.kind === "files" && opt.files.length === 0);
  assert.throws(() => planVolumes(pod([{ name: "v", configMap: { name: "cfg", items: [{ key: "a.conf", path: "../escape" }] } }]), paths, data, facts), /must be relative and may not contain '\.\.'/);
  assert.throws(() => planVolumes(pod([{ name: "v", nfs: { server: "s", path: "/" } }]), paths, data, facts), /volume type nfs is not supported/);
});

test("container mounts: read-only; subPath and subPathExpr bind a staging path the executor prepares", () => {
  const plans = planVolumes(pod([{ name: "data", emptyDir: {} }]), paths, data, facts);
  const { mounts, subPaths } = containerMounts(
    {
      name: "c",
      volumeMounts: [
        { name: "data", mountPath: "/data", readOnly: true },
        { name: "data", mountPath: "/logs", subPathExpr: "logs/$(POD)" },
        { name: "data", mountPath: "/cfg", subPath: "./conf//app/" },
        { name: "data", mountPath: "/whole", subPath: "." },
      ],
    },
    plans,
    new Map([["POD", "p"]]),
    paths,
  );
  const volume = "/var/lib/gantry/pods/u-1/volumes/empty-dir/data";
  assert.deepEqual(mounts, [
    { destination: "/data", source: volume, type: "bind", options: ["rbind", "rprivate", "ro"] },
    { destination: "/logs", source: "/var/lib/gantry/pods/u-1/volume-subpaths/data/c/1", type: "bind", options: ["rbind", "rprivate", "rw"] },
    { destination: "/cfg", source: "/var/lib/gantry/pods/u-1/volume-subpaths/data/c/2", type: "bind", options: ["rbind", "rprivate", "rw"] },
    { destination: "/whole", source: volume, type: "bind", options: ["rbind", "rprivate", "rw"] },
  ]);
  assert.deepEqual(subPaths, [
    { volumeMount: "data", container: "c", volumePath: volume, subPath: "logs/p", staging: "/var/lib/gantry/pods/u-1/volume-subpaths/data/c/1" },
    { volumeMount: "data", container: "c", volumePath: volume, subPath: "conf/app", staging: "/var/lib/gantry/pods/u-1/volume-subpaths/data/c/2" },
  ]);
  assert.throws(() => containerMounts({ name: "c", volumeMounts: [{ name: "nope", mountPath: "/x" }] }, plans, new Map(), paths), { reason: "CreateContainerConfigError" });
  assert.throws(() => containerMounts({ name: "c", volumeMounts: [{ name: "data", mountPath: "/x", subPath: "../../etc" }] }, plans, new Map(), paths), { reason: "CreateContainerConfigError" });
});
