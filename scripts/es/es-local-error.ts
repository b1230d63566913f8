import { CodedError } from '../../protocol/coded-error.js';

export type EsLocalCode =
  | 'ES_NO_JDK'
  | 'ES_DOWNLOAD_FAILED'
  | 'ES_UNZIP_FAILED'
  | 'ES_USER_FAILED'
  | 'ES_DIR_NOT_ACCESSIBLE'
  | 'ES_SETUP_FAILED'
  | 'ES_START_FAILED'
  | 'ES_START_TIMEOUT'
  | 'ES_STOP_FAILED';

/** Every failure to fetch, set up, start or stop a local Elasticsearch, with a stable code. */
export class EsLocalError extends CodedError {
  constructor(code: EsLocalCode, message: string) {
    super(code, message);
  }
}

/** One line of progress on stderr (stdout is kept for what scripts capture, such as the URL). */
export const say = (line: string): void => void process.stderr.write(`${line}\n`);
