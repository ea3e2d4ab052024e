// Pipes to and from a process the agent started for a client (exec, attach relays, port
// forwards) end in ways that are not failures: the process exits while input still arrives
// (EPIPE), or the peer resets. Those surface as the process's exit and the streams' ends; an
// 'error' event without a listener would instead be thrown from the event loop and end the
// agent, so every such stream gets a listener the moment it exists.

type AnyStream = NodeJS.ReadableStream | NodeJS.WritableStream | null | undefined;

export function quietStreamErrors(...streams: AnyStream[]): void {
  for (const s of streams) s?.on("error", ignore);
}

function ignore(): void {}
