// Calls every RPC of an agent once with the credentials given, and prints one JSON line per RPC:
// `{"rpc":"getNodeStatus","code":7,"details":"…"}` (code 0 = it ran). Run inside a test host:
//
//   node dist/test/helpers/agent-probe.js <host:port> <ca.crt> [<client.crt> <client.key>] [--only <rpc>]
//
// `--only getNodeStatus` makes one harmless call (a control with a master's certificate, which
// must not disturb the real master's session).
// Without a client certificate it offers none. The RPCs carry harmless arguments (an empty
// desired set is refused by an agent with an open session; logs of a pod that does not exist),
// but a refusal before the handler means none of that matters.

import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { AgentClient, DesiredPods, ListPodStatusRequest, LogsRequest, PullImageRequest } from "../../proto/gen/agent";

interface Outcome {
  rpc: string;
  code: number;
  details: string;
}

const DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;
  const [target, caFile, certFile, keyFile] = args;
  const ca = readFileSync(caFile);
  const creds = certFile && keyFile ? credentials.createSsl(ca, readFileSync(keyFile), readFileSync(certFile)) : credentials.createSsl(ca);
  // The agent's certificate names its address; the probe checks the chain, not which node it is.
  const client = new AgentClient(target, creds);
  const options = () => ({ deadline: Date.now() + DEADLINE_MS });
  const unary = (rpc: string, call: (done: (err: ServiceError | null) => void) => void) =>
    new Promise<Outcome>((resolve) => call((err) => resolve({ rpc, code: err?.code ?? status.OK, details: err?.details ?? "" })));
  const stream = (rpc: string, open: () => NodeJS.EventEmitter & { end?: () => void }) =>
    new Promise<Outcome>((resolve) => {
      const call = open();
      call.on("data", () => {});
      call.on("error", (err: ServiceError) => resolve({ rpc, code: err.code, details: err.details }));
      call.on("status", (s: { code: number; details: string }) => resolve({ rpc, code: s.code, details: s.details }));
    });
  const outcomes = [await unary("getNodeStatus", (done) => client.getNodeStatus({}, new Metadata(), options(), done))];
  if (only === undefined) outcomes.push(
    await unary("listPodStatus", (done) => client.listPodStatus(ListPodStatusRequest.fromPartial({}), new Metadata(), options(), done)),
    await unary("setDesiredPods", (done) => client.setDesiredPods(DesiredPods.fromPartial({ full: true, generation: 1 }), new Metadata(), options(), done)),
    await stream("session", () => client.session(new Metadata(), options())),
    await stream("logs", () => client.logs(LogsRequest.fromPartial({ container: "main" }), new Metadata(), options())),
    await stream("pullImage", () => client.pullImage(PullImageRequest.fromPartial({ image: "127.0.0.1:1/none:1" }), new Metadata(), options())),
    await stream("exec", () => {
      const call = client.exec(new Metadata(), options());
      call.end();
      return call;
    }),
    await stream("portForward", () => {
      const call = client.portForward(new Metadata(), options());
      call.end();
      return call;
    }),
  );
  client.close();
  for (const o of outcomes) console.log(JSON.stringify(o));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
