/** The checks every SQS batch request makes before looking at its entries. */
import { SqsError } from './errors.js';

export type BatchResult = { ok: Record<string, unknown> } | { error: SqsError };

const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

export function checkBatch(raw: unknown, entryName: string): Record<string, unknown>[] {
  const entries = Array.isArray(raw) ? (raw as Record<string, unknown>[]) : [];
  if (entries.length === 0) throw new SqsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  if (entries.length > 10) throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${entries.length}.`);
  const seen = new Set<string>();
  for (const e of entries) {
    const id = e?.Id;
    if (typeof id !== 'string' || !ENTRY_ID.test(id)) {
      throw new SqsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
    if (seen.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
  return entries;
}
