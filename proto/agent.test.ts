// End-to-end proof that the ts-proto output for agent.proto works with grpc-js: a server built
// from the generated service definition, a generated client, real HTTP/2 on 127.0.0.1.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Server,
  ServerCredentials,
  credentials,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import {
  AgentClient,
  AgentMessage,
  AgentService,
  DesiredPods,
  MasterMessage,
  PodPhase,
  PodStatus,
  VolumeData_Kind,
  type AgentServer,
  type DesiredPod,
  type SetDesiredPodsReply,
} from "./gen/agent";

// Bytes that are not valid UTF-8, so a string/bytes mix-up in the generated code would show.
const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a]);

function pod(uid: string, name: string, json = JSON.stringify({ metadata: { uid, name } })): DesiredPod {
  return { uid, namespace: "default", name, resourceVersion: "7", podJson: json };
}

/** What the test server records and answers: just enough agent behaviour to echo the data back. */
function fakeAgent() {
  const received: { unary: DesiredPods[]; session: MasterMessage[] } = { unary: [], session: [] };
  const desired = new Map<string, DesiredPod>();

  const apply = (msg: DesiredPods): string[] => {
    if (msg.full) desired.clear();
    for (const uid of msg.remove) desired.delete(uid);
    const rejected: string[] = [];
    for (const p of msg.upsert) {
      try {
        JSON.parse(p.podJson);
        desired.set(p.uid, p);
      } catch {
        rejected.push(p.uid);
      }
    }
    return rejected;
  };

  const statusOf = (p: DesiredPod): PodStatus =>
    PodStatus.fromPartial({
      uid: p.uid,
      namespace: p.namespace,
      name: p.name,
      phase: PodPhase.POD_PHASE_RUNNING,
      containerStatuses: [
        {
          name: "main",
          ready: true,
          state: { state: { $case: "running", running: { startedAt: "2025-01-02T03:04:05Z" } } },
          lastState: {
            state: {
              $case: "terminated",
              terminated: { exitCode: 137, signal: 9, reason: "OOMKilled", finishedAt: "2025-01-02T03:04:00Z" },
            },
          },
          restartCount: 1,
          started: false,
        },
      ],
      observedResourceVersion: p.resourceVersion,
    });

  const implementation: Pick<AgentServer, "session" | "setDesiredPods"> = {
    setDesiredPods(call: ServerUnaryCall<DesiredPods, SetDesiredPodsReply>, done: sendUnaryData<SetDesiredPodsReply>) {
      received.unary.push(call.request);
      const rejected = apply(call.request);
      done(null, {
        generation: call.request.generation,
        rejected: rejected.map((uid) => ({ uid, message: "pod_json does not parse" })),
      });
    },
    session(call: ServerDuplexStream<MasterMessage, AgentMessage>) {
      call.on("data", (msg: MasterMessage) => {
        received.session.push(msg);
        const m = msg.msg;
        if (m?.$case === "open") {
          call.write({ msg: { $case: "hello", hello: { nodeName: m.open.nodeName, agentInstanceId: "i-1", agentVersion: "test" } } });
        } else if (m?.$case === "desiredPods") {
          apply(m.desiredPods);
          call.write({ msg: { $case: "desiredPodsAck", desiredPodsAck: { generation: m.desiredPods.generation } } });
          call.write({
            msg: {
              $case: "podStatus",
              podStatus: { full: m.desiredPods.full, pods: [...desired.values()].map(statusOf), removed: m.desiredPods.remove },
            },
          });
        }
      });
      call.on("end", () => call.end());
    },
  };
  return { received, implementation };
}

async function start(implementation: Pick<AgentServer, "session" | "setDesiredPods">): Promise<{ server: Server; client: AgentClient }> {
  const server = new Server();
  server.addService(AgentService, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const client = new AgentClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return { server, client };
}

test("the generated service names the methods under gantry.agent.v1.Agent", () => {
  assert.equal(AgentService.session.path, "/gantry.agent.v1.Agent/Session");
  assert.equal(AgentService.session.requestStream, true);
  assert.equal(AgentService.session.responseStream, true);
  assert.equal(AgentService.setDesiredPods.path, "/gantry.agent.v1.Agent/SetDesiredPods");
  assert.equal(AgentService.logs.responseStream, true);
  assert.equal(AgentService.logs.requestStream, false);
});

test("SetDesiredPods and Session round-trip over grpc-js on 127.0.0.1", { timeout: 20_000 }, async (t) => {
  const agent = fakeAgent();
  const { server, client } = await start(agent.implementation);
  t.after(() => {
    client.close();
    server.forceShutdown();
  });

  await t.test("unary SetDesiredPods carries pods, volume data and a large generation", async () => {
    const request = DesiredPods.fromPartial({
      generation: 2 ** 40,
      full: true,
      upsert: [pod("u-1", "web"), pod("u-bad", "broken", "{not json")],
      volumeData: [
        {
          kind: VolumeData_Kind.KIND_SECRET,
          namespace: "default",
          name: "creds",
          resourceVersion: "3",
          exists: true,
          data: { "key.bin": binary },
          type: "Opaque",
        },
      ],
    });
    const reply = await new Promise<SetDesiredPodsReply>((resolve, reject) =>
      client.setDesiredPods(request, (err, res) => (err ? reject(err) : resolve(res))),
    );
    assert.deepEqual(reply, { generation: 2 ** 40, rejected: [{ uid: "u-bad", message: "pod_json does not parse" }] });

    const seen = agent.received.unary[0];
    assert.ok(seen);
    assert.equal(seen.upsert[0]?.podJson, JSON.stringify({ metadata: { uid: "u-1", name: "web" } }));
    const secret = seen.volumeData[0];
    assert.equal(secret?.kind, VolumeData_Kind.KIND_SECRET);
    assert.deepEqual(secret?.data["key.bin"], binary);
  });

  await t.test("bidi Session: open, full set, delta, acknowledgements and status", async () => {
    const stream = client.session();
    const incoming = stream[Symbol.asyncIterator]();
    const next = async (): Promise<AgentMessage> => {
      const r = await incoming.next();
      assert.equal(r.done, false, "the agent ended the session early");
      return r.value as AgentMessage;
    };

    stream.write(MasterMessage.fromPartial({ msg: { $case: "open", open: { nodeName: "node-a", masterId: "m1", leaderEpoch: 5 } } }));
    const hello = await next();
    assert.deepEqual(hello.msg, { $case: "hello", hello: { nodeName: "node-a", agentInstanceId: "i-1", agentVersion: "test" } });

    stream.write(
      MasterMessage.fromPartial({
        msg: { $case: "desiredPods", desiredPods: { generation: 1, full: true, upsert: [pod("u-1", "web"), pod("u-2", "db")] } },
      }),
    );
    assert.deepEqual((await next()).msg, { $case: "desiredPodsAck", desiredPodsAck: { generation: 1 } });
    const full = await next();
    if (full.msg?.$case !== "podStatus") assert.fail(`expected podStatus, got ${full.msg?.$case}`);
    assert.equal(full.msg.podStatus.full, true);
    assert.deepEqual(
      full.msg.podStatus.pods.map((p) => p.uid),
      ["u-1", "u-2"],
    );
    const web = full.msg.podStatus.pods[0];
    assert.equal(web?.phase, PodPhase.POD_PHASE_RUNNING);
    const main = web?.containerStatuses[0];
    assert.equal(main?.state?.state?.$case, "running");
    assert.deepEqual(main?.lastState?.state, {
      $case: "terminated",
      terminated: {
        exitCode: 137,
        signal: 9,
        reason: "OOMKilled",
        message: "",
        startedAt: "",
        finishedAt: "2025-01-02T03:04:00Z",
        containerId: "",
      },
    });
    // proto3 `optional`: an explicit false survives the wire, distinct from unset.
    assert.equal(main?.started, false);

    stream.write(
      MasterMessage.fromPartial({
        msg: { $case: "desiredPods", desiredPods: { generation: 2, upsert: [pod("u-3", "cache")], remove: ["u-2"] } },
      }),
    );
    assert.deepEqual((await next()).msg, { $case: "desiredPodsAck", desiredPodsAck: { generation: 2 } });
    const delta = await next();
    if (delta.msg?.$case !== "podStatus") assert.fail(`expected podStatus, got ${delta.msg?.$case}`);
    assert.equal(delta.msg.podStatus.full, false);
    assert.deepEqual(delta.msg.podStatus.removed, ["u-2"]);
    assert.deepEqual(
      delta.msg.podStatus.pods.map((p) => p.uid),
      ["u-1", "u-3"],
    );

    stream.end();
    assert.equal((await incoming.next()).done, true, "the session should end after the master half-closes");
    assert.deepEqual(
      agent.received.session.map((m) => m.msg?.$case),
      ["open", "desiredPods", "desiredPods"],
    );
  });

  await t.test("a method the server does not implement answers UNIMPLEMENTED", async () => {
    const err = await new Promise<ServiceError | null>((resolve) => client.getNodeStatus({}, (e) => resolve(e)));
    assert.equal(err?.code, GrpcStatus.UNIMPLEMENTED);
  });
});

test("messages survive binary encode/decode unchanged", () => {
  const msg = AgentMessage.fromPartial({
    msg: {
      $case: "event",
      event: { seriesId: "s1", reason: "BackOff", podUid: "u-1", containerName: "main", count: 4, lastTimestamp: "2025-01-02T03:04:05Z" },
    },
  });
  assert.deepEqual(AgentMessage.decode(AgentMessage.encode(msg).finish()), msg);
  const unset = PodStatus.decode(PodStatus.encode(PodStatus.fromPartial({ uid: "u" })).finish());
  assert.equal(unset.phase, PodPhase.POD_PHASE_UNSPECIFIED);
  assert.equal(unset.containerStatuses.length, 0);
});
