// Ending gRPC calls with a status code (grpc-js turns an emitted error into the call's status),
// and the agent's errors mapped to codes at the wire, as proto/agent.proto specifies them.

import { status as Code, type ServerErrorResponse } from "@grpc/grpc-js";

export { Code };

export class AgentRpcError extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = "AgentRpcError";
  }
}

export function rpcError(code: Code, message: string): ServerErrorResponse {
  return Object.assign(new Error(message), { code, details: message });
}

/** Any thrown value as a gRPC error: AgentRpcErrors keep their code, the rest are INTERNAL. */
export function toRpcError(err: unknown): ServerErrorResponse {
  if (err instanceof AgentRpcError) return rpcError(err.code, err.message);
  const code = (err as { code?: unknown })?.code;
  if (err instanceof Error && typeof code === "number") return rpcError(code as Code, (err as { details?: string }).details ?? err.message);
  if (err instanceof Error && typeof code === "string") {
    // RuntimeError and ImageError codes (runtime/types.ts, runtime/image/types.ts).
    const map: Record<string, Code> = {
      NotFound: Code.NOT_FOUND,
      FailedPrecondition: Code.FAILED_PRECONDITION,
      InvalidConfig: Code.INVALID_ARGUMENT,
      AlreadyExists: Code.ALREADY_EXISTS,
      InvalidReference: Code.INVALID_ARGUMENT,
      Unauthorized: Code.UNAUTHENTICATED,
      Network: Code.UNAVAILABLE,
      Unsupported: Code.UNIMPLEMENTED,
      LimitExceeded: Code.RESOURCE_EXHAUSTED,
    };
    if (map[code] !== undefined) return rpcError(map[code], err.message);
  }
  return rpcError(Code.INTERNAL, err instanceof Error ? err.message : String(err));
}

/** Ends a server stream with a status (the emitted error becomes the trailer). */
export function endWith(call: { emit(event: "error", err: ServerErrorResponse): boolean }, err: unknown): void {
  call.emit("error", toRpcError(err));
}
