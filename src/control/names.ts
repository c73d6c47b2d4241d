/**
 * Function identifiers in every form the API accepts: `name`, `name:qualifier`,
 * `123456789012:function:name[:q]` and `arn:aws:lambda:region:123456789012:function:name[:q]`.
 */
import { LambdaError, ValidationErrors, invalidParameter, notFound } from '../errors.js';

const REGION = '[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}';
export const FUNCTION_NAME_PATTERN =
  `(arn:(aws[a-zA-Z-]*)?:lambda:)?(${REGION}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`;
export const NAMESPACED_FUNCTION_NAME_PATTERN =
  `(arn:(aws[a-zA-Z-]*)?:lambda:)?(${REGION}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`;
export const QUALIFIER_PATTERN = '(|[a-zA-Z0-9$_-]+)';

/** Splits any accepted form; groups: region, account, name, qualifier. */
const PARSE = new RegExp(
  `^(?<arn>arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:(?<region>${REGION}):)?(?:(?<account>\\d{12}):)?(?<fn>function:)?` +
    `(?<name>[a-zA-Z0-9._-]+)(?::(?<qualifier>\\$LATEST(?:\\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$`,
);

export interface FunctionRef {
  name: string;
  qualifier?: string;
}

export type NameUse = 'create' | 'write' | 'read';

/**
 * Parses and validates a FunctionName path parameter (already URL-decoded).
 * `create`: CreateFunction (a bad plain name is reported as InvalidParameterValueException, AWS's quirk).
 * `write`: other mutating ops (pattern FunctionName, ≤140). `read`: Get/Invoke/Delete… (≤256, dots allowed).
 */
const READ_RE = new RegExp(`^${NAMESPACED_FUNCTION_NAME_PATTERN}$`);
const WRITE_RE = new RegExp(`^${FUNCTION_NAME_PATTERN}$`);

export function parseFunctionName(raw: string, use: NameUse, region: string, accountId: string): FunctionRef {
  const pattern = use === 'read' ? NAMESPACED_FUNCTION_NAME_PATTERN : FUNCTION_NAME_PATTERN;
  const patternRe = use === 'read' ? READ_RE : WRITE_RE;
  const max = use === 'read' ? 256 : 140;
  const errors = new ValidationErrors();
  if (raw.length > max) errors.add(raw, 'functionName', `Member must have length less than or equal to ${max}`);
  if (raw.length < 1) errors.add(raw, 'functionName', 'Member must have length greater than or equal to 1');
  if (!patternRe.test(raw)) errors.add(raw, 'functionName', `Member must satisfy regular expression pattern: ${pattern}`);
  const m = PARSE.exec(raw);
  if (errors.empty && m?.groups) {
    const g = m.groups;
    const isPlain = !g.arn && !g.region && !g.account && !g.fn;
    // Function names are at most 64 characters in every form. Other operations may name a longer
    // one inside an ARN (it is simply not found), but CreateFunction must not mint it: such a
    // function could never be addressed by its plain name.
    if (g.name.length > 64 && (isPlain || use === 'create')) {
      errors.add(raw, 'functionName', 'Member must have length less than or equal to 64');
    } else {
      if (g.account && g.account !== accountId) {
        throw new LambdaError('AccessDeniedException', `User is not authorized to access function in account ${g.account}`);
      }
      if (g.region && g.region !== region) {
        throw notFound(`Functions from '${g.region}' are not reachable in this region ('${region}')`);
      }
      return { name: g.name, ...(g.qualifier !== undefined ? { qualifier: g.qualifier } : {}) };
    }
  }
  if (errors.empty) errors.add(raw, 'functionName', `Member must satisfy regular expression pattern: ${pattern}`);
  const plain = !raw.includes(':');
  throw new LambdaError(use === 'create' && plain ? 'InvalidParameterValueException' : 'ValidationException', errors.message());
}

/** Combines a qualifier from the name with a Qualifier parameter, as AWS does. */
export function resolveQualifier(ref: FunctionRef, param: string | undefined): string | undefined {
  if (param !== undefined) {
    const errors = new ValidationErrors();
    if (param.length > 128) errors.add(param, 'qualifier', 'Member must have length less than or equal to 128');
    if (param.length < 1) errors.add(param, 'qualifier', 'Member must have length greater than or equal to 1');
    else if (!/^[a-zA-Z0-9$_-]+$/.test(param)) errors.add(param, 'qualifier', `Member must satisfy regular expression pattern: ${QUALIFIER_PATTERN}`);
    errors.throwIfAny();
  }
  if (ref.qualifier !== undefined && param !== undefined && ref.qualifier !== param) {
    throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  }
  return param ?? ref.qualifier;
}

export const functionArn = (region: string, accountId: string, name: string, qualifier?: string): string =>
  `arn:aws:lambda:${region}:${accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
