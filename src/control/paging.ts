/** Small rules shared by the control-plane services: RevisionId preconditions and list paging. */
import { ValidationErrors, invalidParameter, preconditionFailed } from '../errors.js';

export function checkRevision(given: unknown, current: string): void {
  if (given !== undefined && given !== null && given !== current) throw preconditionFailed();
}

export function pageSize(maxItems: number | undefined): number {
  if (maxItems === undefined) return 50;
  const errors = new ValidationErrors();
  if (!Number.isInteger(maxItems)) errors.add(maxItems, 'maxItems', 'Member must be an integer');
  else if (maxItems < 1) errors.add(maxItems, 'maxItems', 'Member must have value greater than or equal to 1');
  else if (maxItems > 10000) errors.add(maxItems, 'maxItems', 'Member must have value less than or equal to 10000');
  errors.throwIfAny();
  return Math.min(maxItems, 50);
}

export const encodeMarker = (s: string): string => Buffer.from(s).toString('base64url');

export function decodeMarker(marker: string | undefined): string | undefined {
  if (marker === undefined || marker === '') return undefined;
  const s = Buffer.from(marker, 'base64url').toString('utf8');
  if (encodeMarker(s) !== marker.replace(/=+$/, '')) throw invalidParameter(`Invalid marker: ${marker}`);
  return s;
}
