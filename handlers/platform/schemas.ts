import * as z from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    errors: z
      .array(z.object({ in: z.enum(['path', 'query', 'body', 'header']), field: z.string(), message: z.string(), code: z.string() }))
      .optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `instance` is the request id.' });
