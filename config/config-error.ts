import { CodedError } from '../protocol/coded-error.js';

/** Bad config or arguments: the CLI exits with code 2 and prints every problem with its key. */
export class ConfigError extends CodedError {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super('CONFIG_INVALID', problems.length ? `${message}\n  ${problems.join('\n  ')}` : message, 400);
  }
}
