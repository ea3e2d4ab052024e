// The PullImage RPC: pulls through the node's image service and streams per-layer progress,
// ending with PullImageResult.

import type { ServerWritableStream } from "@grpc/grpc-js";
import { LayerProgress_State, type PullImageProgress, type PullImageRequest, type RegistryAuth } from "../proto/gen/agent";
import type { PullProgress } from "../runtime/image/puller";
import { parseReference } from "../runtime/image/reference";
import type { RegistryCredentials } from "../runtime/image/registry-auth";
import type { ImageService } from "./images";
import { AgentRpcError, Code } from "./grpc-status";
import { credentialsOf, registryHost } from "./pull-secrets";

function credentials(image: string, auth: RegistryAuth | undefined): Record<string, RegistryCredentials> | undefined {
  if (!auth) return undefined;
  const creds = credentialsOf({ username: auth.username, password: auth.password, auth: auth.auth, registrytoken: auth.registryToken || auth.identityToken });
  if (!creds.username && !creds.password && !creds.registryToken) return undefined;
  let host: string;
  try {
    host = auth.serverAddress ? registryHost(auth.serverAddress) : parseReference(image).registry;
  } catch (err) {
    throw new AgentRpcError(Code.INVALID_ARGUMENT, (err as Error).message);
  }
  return { [host]: creds };
}

const STATES: Partial<Record<string, LayerProgress_State>> = {
  cached: LayerProgress_State.STATE_ALREADY_EXISTS,
  downloading: LayerProgress_State.STATE_DOWNLOADING,
  downloaded: LayerProgress_State.STATE_DOWNLOADING,
  unpacking: LayerProgress_State.STATE_EXTRACTING,
  unpacked: LayerProgress_State.STATE_DONE,
};

export async function servePull(call: ServerWritableStream<PullImageRequest, PullImageProgress>, images: ImageService): Promise<void> {
  const { image, auth } = call.request;
  if (!image) throw new AgentRpcError(Code.INVALID_ARGUMENT, "no image given");
  const sizes = new Map<string, number>();
  const onProgress = (p: PullProgress) => {
    if (p.kind === "layer") {
      sizes.set(p.digest, p.size);
      const state = STATES[p.state] ?? LayerProgress_State.STATE_UNSPECIFIED;
      const done = p.state === "unpacked" || p.state === "cached" || p.state === "downloaded" || p.state === "unpacking" ? p.size : 0;
      call.write({ progress: { $case: "layer", layer: { digest: p.digest, state, bytesDone: done, bytesTotal: p.size } } });
    } else if (p.kind === "bytes") {
      call.write({ progress: { $case: "layer", layer: { digest: p.digest, state: LayerProgress_State.STATE_DOWNLOADING, bytesDone: p.received, bytesTotal: p.size } } });
    }
  };
  const record = await images.pull({ image, auth: credentials(image, auth), onProgress });
  call.write({
    progress: {
      $case: "done",
      done: { imageRef: record.ref, imageDigest: record.digest, imageId: record.configDigest, sizeBytes: record.layers.reduce((n, l) => n + l.size, 0) },
    },
  });
}
