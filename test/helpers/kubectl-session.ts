// One real `gantry master` with the clients end-to-end tests drive it by: the real kubectl
// (throwaway discovery cache), an API client with the admin credentials, and a scratch
// directory for manifests. stop() removes all of it.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ApiClient } from "./api-client";
import { Kubectl } from "./kubectl";
import { startMaster, type MasterHandle, type StartMasterOptions } from "./master-process";

export interface KubectlSession {
  readonly master: MasterHandle;
  readonly kubectl: Kubectl;
  readonly api: ApiClient;
  /** Writes `content` to a file in the session's scratch directory; returns its path. */
  file(name: string, content: string): string;
  stop(): Promise<void>;
}

export async function startKubectlSession(options: StartMasterOptions = {}): Promise<KubectlSession> {
  const master = await startMaster(options);
  const kubectl = new Kubectl(master.kubeconfig);
  const api = new ApiClient(master.kubeconfig);
  let scratch: string | undefined;
  return {
    master,
    kubectl,
    api,
    file(name, content) {
      scratch ??= mkdtempSync(path.join(os.tmpdir(), "gantry-test-manifests-"));
      const p = path.join(scratch, name);
      writeFileSync(p, content);
      return p;
    },
    async stop() {
      api.close();
      kubectl.cleanup();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      await master.stop();
    },
  };
}
