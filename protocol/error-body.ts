/** Every HTTP error of the API has this body; `code` is stable and listed in docs/error-codes.md. */
export interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown };
}
