/** Publishing immutable versions of $LATEST, and listing them. */
import { LambdaError, ValidationErrors, conflict, invalidParameter } from '../errors.js';
import { newRevisionId } from '../util/ids.js';
import { lambdaTimestamp } from '../util/time.js';
import type { ControlContext } from './context.js';
import { LATEST, type StoredConfig, type VersionRecord } from './model.js';
import { functionArn, parseFunctionName } from './names.js';
import { renderConfiguration, type FunctionConfiguration } from './render.js';
import { checkRevision, decodeMarker, encodeMarker, pageSize } from './paging.js';
import { notFound } from '../errors.js';

export interface PublishInput {
  CodeSha256?: string;
  Description?: string;
  RevisionId?: string;
}

/** The members that make two versions "the same" for PublishVersion's no-change rule. */
function fingerprint(codeSha: string, c: StoredConfig): string {
  const {
    RevisionId, LastModified, State, StateReason, StateReasonCode, LastUpdateStatus, LastUpdateStatusReason,
    LastUpdateStatusReasonCode, Description, ...rest
  } = c;
  void RevisionId; void LastModified; void State; void StateReason; void StateReasonCode; void LastUpdateStatus;
  void LastUpdateStatusReason; void LastUpdateStatusReasonCode; void Description;
  return JSON.stringify([codeSha, Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))]);
}

/**
 * Publishes $LATEST as the next version, or returns the newest version if nothing changed since
 * (`created` tells which).
 */
export async function publishFromLatest(
  ctx: ControlContext,
  region: string,
  name: string,
  input: PublishInput,
): Promise<{ version: VersionRecord; created: boolean }> {
  let created = false;
  const result = await ctx.store.publish(region, name, ({ latest, newest, nextNumber }) => {
    if (latest.config.LastUpdateStatus === 'InProgress') {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${functionArn(region, ctx.config.accountId, name)}`,
      );
    }
    // AWS checks the RevisionId before the CodeSha256.
    checkRevision(input.RevisionId, latest.config.RevisionId);
    if (input.CodeSha256 !== undefined && input.CodeSha256 !== '' && input.CodeSha256 !== latest.config.CodeSha256) {
      throw invalidParameter(
        `CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${latest.config.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    if (newest && fingerprint(newest.codeSha, newest.config) === fingerprint(latest.codeSha, latest.config)) {
      return { version: newest };
    }
    created = true;
    const version: VersionRecord = {
      ...latest,
      version: String(nextNumber),
      config: {
        ...latest.config,
        Description: input.Description ?? latest.config.Description,
        RevisionId: newRevisionId(),
        LastModified: lambdaTimestamp(Date.now()),
        State: 'Active',
        LastUpdateStatus: 'Successful',
      },
    };
    return { version, latest: { ...latest, config: { ...latest.config, RevisionId: newRevisionId() } } };
  });
  if (!result) throw notFound(`Function not found: ${functionArn(region, ctx.config.accountId, name)}`);
  if (created) ctx.changes.publish({ kind: 'function', region, name, version: result.version, deleted: false });
  return { version: result, created };
}

/** A request member of the wrong JSON type is a malformed request (as the control plane treats it elsewhere). */
export function expectString(value: unknown, member: string): void {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw new LambdaError('InvalidRequestContentException', `Could not parse request body into json: Unexpected value for member ${member}: expected string`);
  }
}

function checkPublishInput(input: PublishInput): void {
  expectString(input.CodeSha256, 'CodeSha256');
  expectString(input.Description, 'Description');
  expectString(input.RevisionId, 'RevisionId');
  const errors = new ValidationErrors();
  if (typeof input.Description === 'string' && input.Description.length > 256) {
    errors.add(input.Description, 'description', 'Member must have length less than or equal to 256');
  }
  errors.throwIfAny();
}

export class VersionService {
  constructor(private readonly ctx: ControlContext) {}

  async publish(region: string, rawName: string, input: PublishInput): Promise<FunctionConfiguration> {
    checkPublishInput(input);
    const ref = parseFunctionName(rawName, 'write', region, this.ctx.config.accountId);
    if (ref.qualifier !== undefined) throw invalidParameter('PublishVersion is permitted on the unqualified function only.');
    const { version } = await publishFromLatest(this.ctx, region, ref.name, input);
    return renderConfiguration(version, this.ctx.config.accountId);
  }

  async list(region: string, rawName: string, opts: { marker?: string; maxItems?: number }) {
    const ref = parseFunctionName(rawName, 'read', region, this.ctx.config.accountId);
    const limit = pageSize(opts.maxItems);
    if (!(await this.ctx.store.getFunction(region, ref.name))) {
      throw notFound(`Function not found: ${functionArn(region, this.ctx.config.accountId, ref.name)}`);
    }
    const after = decodeMarker(opts.marker);
    const page = await this.ctx.store.listVersions(region, ref.name, after, limit);
    return {
      Versions: page.items.map((v) => renderConfiguration(v, this.ctx.config.accountId, { style: 'qualified', list: true })),
      ...(page.next ? { NextMarker: encodeMarker(page.next) } : {}),
    };
  }
}

export const isLatest = (v: string | undefined): boolean => v === undefined || v === LATEST;
