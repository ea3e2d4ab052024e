// Runs the real kubectl against a fake server, and lists the commands whose request bodies
// testdata/ holds. Shared by capture.ts (writes testdata/) and the live test.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const KUBECTL = process.env.KUBECTL ?? "kubectl";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A private home for kubectl: an empty kubeconfig and its own discovery cache. */
export interface KubectlHome {
  dir: string;
  cleanup(): void;
}

export function makeKubectlHome(): KubectlHome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-kubectl-"));
  fs.writeFileSync(path.join(dir, "kubeconfig"), "apiVersion: v1\nkind: Config\n");
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function runKubectl(server: string, home: KubectlHome, args: string[]): Promise<KubectlResult> {
  const all = [`--kubeconfig=${path.join(home.dir, "kubeconfig")}`, `--server=${server}`, `--cache-dir=${path.join(home.dir, "cache")}`, "--namespace=default", ...args];
  return new Promise((resolve) => {
    execFile(KUBECTL, all, { timeout: 30_000, env: { ...process.env, HOME: home.dir } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function kubectlAvailable(): boolean {
  try {
    execFileSync(KUBECTL, ["version", "--client"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export interface CaptureCase {
  /** testdata/<name>.bin holds the body. */
  name: string;
  args: string[];
  /** The request whose body is captured. */
  method: "POST" | "DELETE";
  /** Whether `--dry-run=client -o json` prints the same object (testdata/<name>.kubectl.json). */
  printable: boolean;
}

/** `files` is a directory holding tls.crt, tls.key and blob.bin (see writeCaptureFiles). */
export function captureCases(files: string): CaptureCase[] {
  return [
    { name: "deployment", args: ["create", "deployment", "web", "--image=nginx", "--replicas=3"], method: "POST", printable: true },
    { name: "deployment-zero-replicas", args: ["create", "deployment", "idle", "--image=nginx:1.27", "--port=8080", "--replicas=0"], method: "POST", printable: true },
    { name: "namespace", args: ["create", "namespace", "blue"], method: "POST", printable: true },
    { name: "secret-generic", args: ["create", "secret", "generic", "apikey", "--from-literal=k=v"], method: "POST", printable: true },
    {
      name: "secret-docker-registry",
      args: ["create", "secret", "docker-registry", "regcred", "--docker-server=registry.example", "--docker-username=u", "--docker-password=p", "--docker-email=u@example.com"],
      method: "POST",
      printable: true,
    },
    { name: "secret-tls", args: ["create", "secret", "tls", "web-tls", `--cert=${path.join(files, "tls.crt")}`, `--key=${path.join(files, "tls.key")}`], method: "POST", printable: true },
    { name: "configmap", args: ["create", "configmap", "cfg", "--from-literal=a=b"], method: "POST", printable: true },
    { name: "configmap-binary", args: ["create", "configmap", "blobs", `--from-file=blob=${path.join(files, "blob.bin")}`, "--from-literal=text=hello"], method: "POST", printable: true },
    { name: "hpa", args: ["autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80"], method: "POST", printable: true },
    { name: "job", args: ["create", "job", "pi", "--image=busybox", "--", "echo", "hi"], method: "POST", printable: true },
    { name: "cronjob", args: ["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"], method: "POST", printable: true },
    { name: "service-clusterip", args: ["create", "service", "clusterip", "svc1", "--tcp=80:8080"], method: "POST", printable: true },
    { name: "service-nodeport", args: ["create", "service", "nodeport", "np", "--tcp=80:http", "--node-port=30080"], method: "POST", printable: true },
    { name: "serviceaccount", args: ["create", "serviceaccount", "robot"], method: "POST", printable: true },
    { name: "deleteoptions", args: ["drain", "n1", "--disable-eviction", "--force", "--timeout=20s"], method: "DELETE", printable: false },
    { name: "deleteoptions-grace-zero", args: ["drain", "n1", "--disable-eviction", "--force", "--grace-period=0", "--timeout=20s"], method: "DELETE", printable: false },
  ];
}

/** Fixed inputs for the cases above. The TLS pair is committed so captures are reproducible. */
export function writeCaptureFiles(dir: string, testdata: string): void {
  fs.copyFileSync(path.join(testdata, "tls.crt"), path.join(dir, "tls.crt"));
  fs.copyFileSync(path.join(testdata, "tls.key"), path.join(dir, "tls.key"));
  // Not UTF-8, so kubectl puts it in binaryData (bytes on the wire, base64 in JSON).
  fs.writeFileSync(path.join(dir, "blob.bin"), Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41]));
}
