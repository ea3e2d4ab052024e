// The worker thread behind yaml-decoder.ts: decodes one YAML body per message and answers with
// the value as JSON text (which the main thread parses without recursion) or the ApiError.

import { parentPort } from "node:worker_threads";
import { decodeYaml } from "../../api/decode/yaml";
import { ApiError } from "../../api/errors";
import type { YamlJob, YamlResult } from "./yaml-decoder";

parentPort?.on("message", (job: YamlJob) => {
  let result: YamlResult;
  try {
    result = { id: job.id, json: JSON.stringify(decodeYaml(job.bytes, job.what) ?? null) };
  } catch (err) {
    const e = ApiError.from(err);
    result = { id: job.id, error: { code: e.code, reason: e.reason, message: e.message } };
  }
  parentPort?.postMessage(result);
});
