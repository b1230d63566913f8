/**
 * The base of every error logship raises on purpose: a stable `code` that scripts and docs can rely on,
 * an HTTP status for errors that cross the API, and optional details (a config key, a query position).
 */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
