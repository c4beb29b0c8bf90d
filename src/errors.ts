/**
 * vaekit's error hierarchy. Every error the library throws on purpose is a `VaeError`;
 * messages read `where: expected …, got …`. Low-level failures are wrapped with `{ cause }`.
 *
 * Settings named in a message are written with {@link setting}, so that each front end names them
 * its own way: the library by their place in the configuration (`training.learningRate`,
 * `data.val`), the command line by its flags (`--lr`, `--val`). The library never names a CLI flag.
 */

/** Marks a setting reference inside a message: ⟦path⟧ or ⟦path=value⟧. */
const SETTING = /⟦([^⟧=]+)(?:=([^⟧]*))?⟧/g;

/**
 * A reference to a setting for an error message: its configuration path and, optionally, a value.
 * The library renders it as `path` (`training.learningRate`), `path 'value'` (`data.source '/no/such'`),
 * or `path: true`; the CLI as `--flag` or `--flag value` (src/cli/flags.ts).
 * @param path - the setting's path in the run configuration (or an option's name), e.g. 'data.val'
 * @param value - its value, when the message is about one
 */
export function setting(path: string, value?: string | number | boolean): string {
  return value === undefined ? `⟦${path}⟧` : `⟦${path}=${String(value)}⟧`;
}

/** How a front end names a setting: `undefined` keeps the library's naming. */
export type SettingNamer = (path: string, value: string | undefined) => string | undefined;

const libraryName = (path: string, value: string | undefined): string =>
  value === undefined ? path : value === 'true' ? `${path}: true` : `${path} '${value}'`;

/** The text of a message with its setting references named by `namer` (by default the library's way). */
export function renderMessage(template: string, namer?: SettingNamer): string {
  return template.replace(SETTING, (_m, path: string, value: string | undefined) => namer?.(path, value) ?? libraryName(path, value));
}

/** Base class of every error vaekit throws on purpose. */
export class VaeError extends Error {
  /** The message with its setting references unrendered (see {@link setting}). */
  readonly template: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(renderMessage(message), options);
    this.name = new.target.name;
    this.template = message;
  }

  /** The message with settings named by `namer`, e.g. as CLI flags. */
  describe(namer: SettingNamer): string {
    return renderMessage(this.template, namer);
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

/** A worker thread (gradients or the log-likelihood estimate) failed, died or stopped answering. */
export class WorkerError extends VaeError {}

/**
 * Where JSON.parse stops on `text` when its message gives no position ("Unexpected token 'e', …"):
 * the length of the longest prefix that could still begin a JSON text (a prefix that parses, ends too
 * early, or fails only at its end), found by bisection, as that property holds for every shorter prefix.
 * @returns a character offset into `text`, or null when the whole text is such a prefix
 */
function stopsAt(text: string): number | null {
  const viable = (k: number): boolean => {
    try {
      JSON.parse(text.slice(0, k));
      return true;
    } catch (e) {
      const message = e instanceof Error ? e.message : '';
      const m = / (?:in JSON )?at position (\d+)/.exec(message);
      return /^Unexpected end of JSON input/.test(message) || (m !== null && Number(m[1]) >= k);
    }
  };
  if (viable(text.length)) return null;
  let lo = 0; // viable
  let hi = text.length; // not viable
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (viable(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * A JSON syntax error in one line, with the line and column where the parser stopped (V8 gives a
 * character position for most errors; for an unexpected token it is found by bisection): for messages
 * that name a file, e.g. `config.json: line 1, column 21: not JSON (Expected double-quoted property name)`.
 * @param text - the text given to JSON.parse
 * @param err - what JSON.parse threw
 */
export function describeJsonError(text: string, err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  const m = / (?:in JSON )?at position (\d+)/.exec(message);
  const at = m ? Number(m[1]) : /^Unexpected end of JSON input/.test(message) ? text.length : stopsAt(text);
  if (at === null) return `not JSON (${message})`;
  const before = text.slice(0, at);
  const line = before.split(/\r\n|\r|\n/).length;
  const column = at - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  return `line ${line}, column ${column}: not JSON (${m ? message.slice(0, m.index) : message})`;
}
