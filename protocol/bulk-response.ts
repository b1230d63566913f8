import { z } from 'zod';
import { count } from './wire-values.js';

/** Why Elasticsearch (and logship's door) refused a document. */
const documentErrorSchema = z.object({ type: z.string(), reason: z.string() });

/** One item of an Elasticsearch bulk response; also the answer of a single-document write that succeeded. */
export const bulkItemResultSchema = z.object({
  _index: z.string(),
  _id: z.string(),
  status: z.number().int(),
  result: z.enum(['created', 'noop']).optional(),
  _version: z.number().int().optional(),
  _shards: z.object({ total: count, successful: count, failed: count }).optional(),
  _seq_no: z.number().int().optional(),
  _primary_term: z.number().int().optional(),
  error: documentErrorSchema.optional(),
});
export type BulkItemResult = z.infer<typeof bulkItemResultSchema>;

/** The Elasticsearch bulk response format existing shippers read: one item per action, keyed by the action name. */
export const bulkResponseSchema = z.object({
  took: count,
  errors: z.boolean(),
  items: z.array(z.record(z.string(), bulkItemResultSchema)),
});
export type BulkResponse = z.infer<typeof bulkResponseSchema>;

/** The answer of a single-document write (`/{index}/_doc`, `/{index}/_create/{id}`) that was refused. */
export const documentRefusalSchema = z.object({ error: documentErrorSchema, status: z.number().int() });
