// exec over SPDY driven by a raw client (spdy-client.ts), run in a test's client host.
// checkSpdyExecProtocols tries the protocol versions kubectl 1.20 does not pick (it always takes
// v4) and prints what it saw as JSON, for test/older-clients.test.ts:
//   node spdy-exec-scenarios.js '<json SpdyExecArgs with kubeconfig>'
// SPDY_EXEC_SCENARIOS drive a session to an awkward point each, for
// test/stream-hardening.test.ts; stream-abuser.js runs them like its other scenarios.

import { credentialsOf, spdyUpgrade, type ClientStream, type SpdyClient } from "./spdy-client";

export interface SpdyExecArgs {
  server: string;
  namespace: string;
  /** A running pod with one container that sleeps. */
  sleeper: string;
  creds: { ca: Buffer; cert: Buffer; key: Buffer };
}

interface ExecRequest {
  command: string[];
  stdin?: boolean;
  tty?: boolean;
  protocols?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function execPath(a: SpdyExecArgs, r: ExecRequest): string {
  const q = new URLSearchParams();
  for (const c of r.command) q.append("command", c);
  q.set("stdout", "true");
  if (!r.tty) q.set("stderr", "true");
  if (r.stdin) q.set("stdin", "true");
  if (r.tty) q.set("tty", "true");
  return `/api/v1/namespaces/${a.namespace}/pods/${a.sleeper}/exec?${q.toString()}`;
}

interface Session {
  client: SpdyClient;
  protocol: string;
  error: ClientStream;
  stdin?: ClientStream;
  stdout: ClientStream;
  stderr?: ClientStream;
  resize?: ClientStream;
}

/** Upgrades and opens the streams the way client-go does: error, stdin, stdout, stderr, resize. */
async function openExec(a: SpdyExecArgs, r: ExecRequest): Promise<Session> {
  const answer = await spdyUpgrade({ server: a.server, path: execPath(a, r), protocols: r.protocols ?? ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io"], creds: a.creds });
  if (!answer.ok) throw new Error(`upgrade refused: ${answer.status} ${answer.body}`);
  const { client, protocol } = answer;
  const error = await client.open({ streamType: "error" });
  const stdin = r.stdin ? await client.open({ streamType: "stdin" }) : undefined;
  const stdout = await client.open({ streamType: "stdout" });
  const stderr = r.tty ? undefined : await client.open({ streamType: "stderr" });
  const resize = r.tty && protocol !== "v2.channel.k8s.io" ? await client.open({ streamType: "resize" }) : undefined;
  return { client, protocol, error, stdin, stdout, stderr, resize };
}

/** Waits for the server to end the session: the error stream closed (or the connection). */
async function outcome(s: Session): Promise<{ protocol: string; stdout: string; stderr: string; error: string }> {
  await s.client.until(() => s.error.ended || s.client.closed);
  const result = { protocol: s.protocol, stdout: s.client.text(s.stdout), stderr: s.stderr ? s.client.text(s.stderr) : "", error: s.client.text(s.error) };
  s.client.destroy();
  return result;
}

/** Every protocol version: output, exit codes, stdin half-close, the resize stream; as JSON. */
export async function checkSpdyExecProtocols(a: SpdyExecArgs): Promise<string> {
  const results: Record<string, unknown> = {};
  for (const version of ["v5", "v4", "v3", "v2"]) {
    const protocols = [`${version}.channel.k8s.io`];
    results[`${version} exit 7`] = await outcome(await openExec(a, { command: ["sh", "-c", "echo out; echo err >&2; exit 7"], protocols }));
    results[`${version} success`] = await outcome(await openExec(a, { command: ["true"], protocols }));
    const cat = await openExec(a, { command: ["cat"], stdin: true, protocols });
    cat.client.write(cat.stdin!, Buffer.from("through stdin\n"));
    cat.client.end(cat.stdin!);
    results[`${version} stdin`] = await outcome(cat);
  }
  for (const version of ["v4", "v3"]) {
    // The size reaches the pty when runc starts the process; a first instruction may beat it.
    const tty = await openExec(a, { command: ["sh", "-c", "sleep 0.3; stty size"], tty: true, protocols: [`${version}.channel.k8s.io`] });
    // Go's json.Encoder: one value per line; split across two frames on purpose.
    tty.client.write(tty.resize!, Buffer.from('{"Width":123,'));
    tty.client.write(tty.resize!, Buffer.from('"Height":45}\n'));
    results[`${version} tty`] = await outcome(tty);
  }
  const refused = await spdyUpgrade({ server: a.server, path: execPath(a, { command: ["true"] }), protocols: ["channel.k8s.io"], creds: a.creds });
  results["v1 only"] = refused.ok ? "upgraded" : { status: refused.status, body: refused.body };
  return JSON.stringify(results);
}

export const SPDY_EXEC_SCENARIOS: Record<string, (a: SpdyExecArgs) => Promise<string>> = {
  async "spdy-exec-stdin-after-exit"(a) {
    const s = await openExec(a, { command: ["true"], stdin: true });
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    for (let i = 0; i < 64; i++) s.client.write(s.stdin!, chunk);
    await Promise.race([s.client.until(() => s.error.ended || s.client.closed), sleep(3000)]);
    for (let i = 0; i < 16; i++) s.client.write(s.stdin!, chunk);
    s.client.end(s.stdin!);
    await sleep(200);
    const seen = `error stream ${s.error.ended ? "ended" : "open"}, connection ${s.client.goneAway ? "gone away" : "open"}`;
    s.client.destroy();
    return seen;
  },

  async "spdy-exec-drop-connection-mid-output"(a) {
    const s = await openExec(a, { command: ["sh", "-c", "while :; do echo 0123456789abcdef; done"] });
    await s.client.until(() => s.stdout.data.length > 0 || s.client.closed);
    s.client.destroy();
    return `dropped after ${s.stdout.data.length} data frames`;
  },

  async "spdy-exec-stop-reading"(a) {
    const s = await openExec(a, { command: ["cat", "/dev/zero"] });
    s.client.socket.pause();
    await sleep(2500);
    s.client.destroy();
    return "stopped reading for 2.5 s, then dropped";
  },

  /** Streams missing, unknown, doubled; a resize stream of garbage; then bytes that are not SPDY. */
  async "spdy-exec-garbage"(a) {
    const missing = await spdyUpgrade({ server: a.server, path: execPath(a, { command: ["sleep", "1"] }), protocols: ["v4.channel.k8s.io"], creds: a.creds });
    if (missing.ok) {
      await missing.client.open({ streamType: "error" }); // stdout and stderr never come
      await missing.client.open({ streamType: "bogus" });
      await sleep(500);
      missing.client.destroy();
    }
    const s = await openExec(a, { command: ["sleep", "2"], stdin: true, tty: true, protocols: ["v4.channel.k8s.io"] });
    const twice = await s.client.open({ streamType: "stdout" });
    s.client.write(s.resize!, Buffer.from('{"Width":-5,"Height":1e309}\n{not json'));
    s.client.write(s.resize!, Buffer.alloc(64 * 1024, 0x7b));
    s.client.write(twice, Buffer.from("data on a refused stream"));
    s.client.socket.write(Buffer.from("this is not a SPDY frame at all, just bytes".repeat(100)));
    await Promise.race([s.client.until(() => s.client.closed), sleep(3000)]);
    s.client.destroy();
    return `second stdout ${twice.reset ? "refused" : "accepted"}`;
  },
};

if (require.main === module) {
  const a = JSON.parse(process.argv[2]) as Omit<SpdyExecArgs, "creds"> & { kubeconfig: string };
  checkSpdyExecProtocols({ ...a, creds: credentialsOf(a.kubeconfig) }).then(
    (seen) => {
      console.log(seen);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
