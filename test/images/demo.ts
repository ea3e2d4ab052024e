// The demo images `make up` puts in the local registry (127.0.0.1:5000), built from
// busybox-static like every test image, so the README's examples run with no internet:
//   gantry/busybox:1   a shell and every busybox applet in /bin (tar for kubectl cp, wget, ping, nslookup, vi, ...)
//   gantry/web:1       the same, running busybox httpd on :8080 serving "web v1"
//   gantry/web:2       the same serving "web v2" (for `kubectl set image` / rollouts)
// Built deterministically: the same busybox binary gives the same digests on every build.
// Usage: node dist/test/images/demo.js http://127.0.0.1:5000

import { busyboxLayers, makeImage, makeLayer, pushImage, type BuiltImage } from "./build";

export interface DemoImage {
  repo: string;
  tag: string;
  image: BuiltImage;
}

export async function buildDemoImages(): Promise<DemoImage[]> {
  const [base, files] = await busyboxLayers();
  const images: DemoImage[] = [{ repo: "gantry/busybox", tag: "1", image: makeImage([base, files], { cmd: ["/bin/sh"] }) }];
  for (const version of ["1", "2"]) {
    const page = await makeLayer([{ name: "www/index.html", content: `web v${version}\n` }]);
    // httpd as PID 1 would ignore SIGTERM (the kernel drops signals PID 1 has no handler for),
    // making every delete wait out the 30 s grace period; a shell that traps TERM exits at once.
    const serve = "trap 'exit 0' TERM; /bin/busybox httpd -f -p 8080 -h /www & wait";
    images.push({ repo: "gantry/web", tag: version, image: makeImage([base, files, page], { cmd: ["/bin/sh", "-c", serve], exposedPorts: ["8080/tcp"] }) });
  }
  return images;
}

/** Pushes the demo images; returns their references (<registry host>/<repo>:<tag>). */
export async function pushDemoImages(registryUrl: string): Promise<string[]> {
  const host = new URL(registryUrl).host;
  const pushed: string[] = [];
  for (const { repo, tag, image } of await buildDemoImages()) {
    await pushImage(registryUrl, repo, tag, image);
    pushed.push(`${host}/${repo}:${tag}`);
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
