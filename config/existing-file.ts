import { existsSync } from 'node:fs';
import { z } from 'zod';

/** A file read at start-up (TLS material): checking now names the key instead of failing later. */
export const existingFile = z
  .string()
  .min(1)
  .refine((p) => existsSync(p), { message: 'file does not exist' });
