import { CodedError } from '../protocol/coded-error.js';

/** Bad config or arguments: the CLI exits with code 2 and prints every problem with its key. */
export class ConfigError extends CodedError {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
    /** A more specific code than CONFIG_INVALID for a rule operators look up (e.g. an insecure listen address). */
    code = 'CONFIG_INVALID',
  ) {
    super(code, problems.length ? `${message}\n  ${problems.join('\n  ')}` : message, 400);
  }
}
