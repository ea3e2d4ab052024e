// Regenerates testdata/: runs the real kubectl against the fake server and saves each request
// body (<name>.bin), what `--dry-run=client -o json` prints for the same command
// (<name>.kubectl.json, the object as Go's JSON encoder writes it) and an index (fixtures.json).
//
//   npx tsc -p tsconfig.json && node dist/master/apiserver/protobuf/testing/capture.js
//
// Set KUBECTL to use another binary. The unit tests read these files and need no kubectl.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { decodeKubernetesProtobuf } from "../decode";
import { startFakeApiServer } from "./fake-apiserver";
import { KUBECTL, captureCases, makeKubectlHome, runKubectl, writeCaptureFiles } from "./kubectl";

const TESTDATA = path.join(__dirname, "../../../../../master/apiserver/protobuf/testdata");

async function main(): Promise<void> {
  const home = makeKubectlHome();
  writeCaptureFiles(home.dir, TESTDATA);
  const version = execFileSync(KUBECTL, ["version", "--client", "-o", "json"], { encoding: "utf8" });
  const index: Record<string, unknown>[] = [];
  try {
    for (const c of captureCases(home.dir)) {
      const server = await startFakeApiServer((body) => decodeKubernetesProtobuf(body).object);
      try {
        const run = await runKubectl(server.url, home, c.args);
        const req = server.requests.filter((r) => r.method === c.method && r.body.length > 0).at(-1);
        if (!req) throw new Error(`${c.name}: kubectl sent no ${c.method} body (exit ${run.code}: ${run.stderr.trim()})`);
        fs.writeFileSync(path.join(TESTDATA, `${c.name}.bin`), req.body);
        if (c.printable) {
          const printed = await runKubectl(server.url, home, withFlags(c.args, ["--dry-run=client", "-o", "json"]));
          if (printed.code !== 0) throw new Error(`${c.name}: dry run failed: ${printed.stderr.trim()}`);
          fs.writeFileSync(path.join(TESTDATA, `${c.name}.kubectl.json`), printed.stdout);
        }
        const args = c.args.map((a) => a.split(home.dir).join("<files>"));
        index.push({ name: c.name, command: ["kubectl", ...args].join(" "), method: req.method, url: req.url, contentType: req.contentType, exitCode: run.code });
        console.log(`${c.name}: ${req.method} ${req.url} ${req.contentType} ${req.body.length} bytes (kubectl exit ${run.code})`);
      } finally {
        await server.close();
      }
    }
    const kubectl = (JSON.parse(version) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
    fs.writeFileSync(path.join(TESTDATA, "fixtures.json"), JSON.stringify({ kubectl, fixtures: index }, null, 2) + "\n");
  } finally {
    home.cleanup();
  }
}

/** Flags go before a `--` that starts the container command. */
function withFlags(args: string[], flags: string[]): string[] {
  const dashes = args.indexOf("--");
  return dashes < 0 ? [...args, ...flags] : [...args.slice(0, dashes), ...flags, ...args.slice(dashes)];
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
