/**
 * vaekit's error hierarchy. Every error the library throws on purpose is a `VaeError`;
 * messages read `where: expected …, got …`. Low-level failures are wrapped with `{ cause }`.
 */

/** Base class of every error vaekit throws on purpose. */
export class VaeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A tensor or array has the wrong shape for the model or operation. */
export class ShapeError extends VaeError {}

/** A configuration field or CLI flag has an invalid value. */
export class ConfigError extends VaeError {}

/** Input data is malformed, unreadable, or does not fit the chosen likelihood. */
export class DataError extends VaeError {}

/** A checkpoint or saved model is missing, corrupt, or of an unknown format version. */
export class CheckpointError extends VaeError {}

/** Training produced a non-finite loss or otherwise cannot continue. */
export class TrainingError extends VaeError {}
