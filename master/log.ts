// Structured logging (pino) shared by the master's parts.
import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(name: string, level = process.env.GANTRY_LOG_LEVEL ?? "info"): Logger {
  return pino({ name, level });
}
