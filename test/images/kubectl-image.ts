// A test image holding the real kubectl (a static Go binary) beside busybox, so a pod can talk
// to the API exactly as real in-cluster clients do: the service-account token, ca.crt and
// namespace from /var/run/secrets/kubernetes.io/serviceaccount, the API at
// KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT. The kubectl layer is left uncompressed
// (57 MB; gzip would only cost the test time).
// Usage: node dist/test/images/kubectl-image.js http://<registry>  → pushes gantry-test/kubectl:1

import { readFileSync, realpathSync } from "node:fs";
import { busyboxLayers, makeImage, makeLayer, pushImage } from "./build";

export const KUBECTL_IMAGE = { repo: "gantry-test/kubectl", tag: "1" };

export async function pushKubectlImage(registryUrl: string): Promise<string> {
  const [base, files] = await busyboxLayers();
  const kubectl = await makeLayer(
    [
      { name: "usr/", type: "directory" },
      { name: "usr/local/", type: "directory" },
      { name: "usr/local/bin/", type: "directory" },
      { name: "usr/local/bin/kubectl", content: readFileSync(realpathSync("/usr/bin/kubectl")), mode: 0o755 },
    ],
    "none",
  );
  const image = makeImage([base, files, kubectl], { cmd: ["/bin/sh"], env: ["PATH=/usr/local/bin:/bin", "HOME=/tmp"] });
  await pushImage(registryUrl, KUBECTL_IMAGE.repo, KUBECTL_IMAGE.tag, image);
  return `${new URL(registryUrl).host}/${KUBECTL_IMAGE.repo}:${KUBECTL_IMAGE.tag}`;
}

if (require.main === module) {
  pushKubectlImage(process.argv[2] ?? "http://127.0.0.1:5000").then(
    (ref) => console.log(ref),
    (err) => {
      console.error(`pushing the kubectl image failed: ${err instanceof Error ? err.message : err}`);
      process.exit(1);
    },
  );
}
