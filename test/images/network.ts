// The pod network test image, built from busybox-static like every test image:
//   gantry-test/net:1   busybox httpd on :8080; GET /cgi-bin/whoami answers the client's
//                       address as the server saw it ($REMOTE_ADDR), so a test can tell whether
//                       a packet kept its source; plus the nc, ip and ping applets.
// Usage (from inside the test network): node dist/test/images/network.js http://<registry>

import { busyboxLayers, makeImage, makeLayer, pushImage, type TarEntry } from "./build";

export const NetImage = { repo: "gantry-test/net", tag: "1" } as const;

export async function pushNetImage(registryUrl: string): Promise<string> {
  const [base, files] = await busyboxLayers();
  const extra = await makeLayer([
    ...["nc", "ip", "ping", "seq", "grep", "sed"].map((a): TarEntry => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox" })),
    { name: "www/index.html", content: "net test image\n" },
    { name: "www/cgi-bin/", type: "directory" },
    { name: "www/cgi-bin/whoami", content: '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s\\n" "$REMOTE_ADDR"\n', mode: 0o755 },
  ]);
  // A shell that traps TERM, so deleting the pod does not wait out its grace period.
  const serve = "trap 'exit 0' TERM; /bin/busybox httpd -f -p 8080 -h /www & wait";
  await pushImage(registryUrl, NetImage.repo, NetImage.tag, makeImage([base, files, extra], { cmd: ["/bin/sh", "-c", serve], exposedPorts: ["8080/tcp"] }));
  return `${new URL(registryUrl).host}/${NetImage.repo}:${NetImage.tag}`;
}

if (require.main === module) {
  const url = process.argv[2] ?? "http://127.0.0.1:5000";
  pushNetImage(url).then(
    (ref) => console.log(`pushed ${ref}`),
    (err) => {
      console.error(`pushing the network test image to ${url} failed: ${err instanceof Error ? err.message : err}`);
      process.exit(1);
    },
  );
}
