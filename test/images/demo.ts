// The demo images `make up` puts in the local registry (127.0.0.1:5000), built from
// busybox-static like every test image, so the README's examples run with no internet:
//   gantry/busybox:1   a shell and the busybox applets (sleep, wget, ...)
//   gantry/web:1       busybox httpd on :8080 serving "web v1"
//   gantry/web:2       the same serving "web v2" (for `kubectl set image` / rollouts)
// Usage: node dist/test/images/demo.js http://127.0.0.1:5000

import { busyboxLayers, makeImage, makeLayer, pushImage } from "./build";

export async function pushDemoImages(registryUrl: string): Promise<string[]> {
  const [base, files] = await busyboxLayers();
  const pushed: string[] = [];
  const host = new URL(registryUrl).host;
  await pushImage(registryUrl, "gantry/busybox", "1", makeImage([base, files], { cmd: ["/bin/sh"] }));
  pushed.push(`${host}/gantry/busybox:1`);
  for (const version of ["1", "2"]) {
    const page = await makeLayer([{ name: "www/index.html", content: `web v${version}\n` }]);
    // httpd as PID 1 would ignore SIGTERM (the kernel drops signals PID 1 has no handler for),
    // making every delete wait out the 30 s grace period; a shell that traps TERM exits at once.
    const serve = "trap 'exit 0' TERM; /bin/busybox httpd -f -p 8080 -h /www & wait";
    const web = makeImage([base, files, page], { cmd: ["/bin/sh", "-c", serve], exposedPorts: ["8080/tcp"] });
    await pushImage(registryUrl, "gantry/web", version, web);
    pushed.push(`${host}/gantry/web:${version}`);
  }
  return pushed;
}

if (require.main === module) {
  const url = process.argv[2] ?? "http://127.0.0.1:5000";
  pushDemoImages(url).then(
    (refs) => console.log(`pushed demo images: ${refs.join(" ")}`),
    (err) => {
      console.error(`pushing demo images to ${url} failed: ${err instanceof Error ? err.message : err}`);
      process.exit(1);
    },
  );
}
