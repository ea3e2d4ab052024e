// A pod or container that cannot be set up as specified, with the reason the kubelet would
// report: CreateContainerConfigError (a missing ConfigMap/Secret key, an invalid field reference)
// or CreateContainerError (no command to run). The message names the object and what to fix.

export type ConfigErrorReason = "CreateContainerConfigError" | "CreateContainerError";

export class ConfigError extends Error {
  constructor(
    readonly reason: ConfigErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A volume that cannot be set up; the message becomes a FailedMount event. */
export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    detail: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${detail}`);
    this.name = "VolumeError";
  }
}
