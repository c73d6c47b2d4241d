import { randomBytes, randomUUID } from 'node:crypto';

export const newRequestId = (): string => randomUUID();
export const newRevisionId = (): string => randomUUID();

/** 32 lowercase hex characters, as in log stream names and function URL ids. */
export const hex32 = (): string => randomBytes(16).toString('hex');
