/** Tags on functions (unqualified ARNs only), and account settings. */
import { ValidationErrors, invalidParameter, notFound, LambdaError } from '../errors.js';
import type { ControlContext } from './context.js';
import { functionArn } from './names.js';
import { checkTagRules, checkTags } from './validation.js';

const TAGGABLE =
  'arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)';
const FUNCTION_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9$_-]+))?$/;

export class TagService {
  constructor(private readonly ctx: ControlContext) {}

  /** Validates a resource ARN and returns the function it names. */
  private async target(region: string, resource: string): Promise<string> {
    const errors = new ValidationErrors();
    if (resource.length > 256) errors.add(resource, 'resource', 'Member must have length less than or equal to 256');
    if (!new RegExp(`^${TAGGABLE}$`).test(resource)) errors.add(resource, 'resource', `Member must satisfy regular expression pattern: ${TAGGABLE}`);
    errors.throwIfAny();
    const m = FUNCTION_ARN.exec(resource);
    if (!m) throw notFound('The resource you requested does not exist.');
    const [, arnRegion, account, name, qualifier] = m;
    if (account !== this.ctx.config.accountId) {
      throw new LambdaError('AccessDeniedException', `User is not authorized to access resources in account ${account}`);
    }
    if (qualifier !== undefined) throw invalidParameter('Tags on function aliases and versions are not supported. Please specify a function ARN.');
    if (arnRegion !== region) throw notFound(`Functions from '${arnRegion}' are not reachable in this region ('${region}')`);
    if (!(await this.ctx.store.getFunction(region, name))) {
      throw notFound(`Function not found: ${functionArn(region, this.ctx.config.accountId, name)}`);
    }
    return name;
  }

  async tag(region: string, resource: string, tags: unknown): Promise<void> {
    const errors = new ValidationErrors();
    if (tags === undefined || tags === null) errors.add(null, 'tags', 'Member must not be null');
    const map = checkTags(tags, errors);
    errors.throwIfAny();
    const name = await this.target(region, resource);
    if (Object.keys(map).length === 0) throw invalidParameter('An error occurred and the request cannot be processed.');
    await this.ctx.store.updateFunction(region, name, (fn) => {
      checkTagRules(map, fn.tags);
      return { ...fn, tags: { ...fn.tags, ...map } };
    });
  }

  async untag(region: string, resource: string, keys: string[]): Promise<void> {
    const errors = new ValidationErrors();
    if (keys.length === 0) errors.add(null, 'tagKeys', 'Member must not be null');
    errors.throwIfAny();
    const name = await this.target(region, resource);
    await this.ctx.store.updateFunction(region, name, (fn) => {
      const tags = { ...fn.tags };
      for (const k of keys) delete tags[k];
      return { ...fn, tags };
    });
  }

  async list(region: string, resource: string): Promise<{ Tags: Record<string, string> }> {
    const name = await this.target(region, resource);
    const fn = await this.ctx.store.getFunction(region, name);
    return { Tags: fn?.tags ?? {} };
  }
}

export async function accountSettings(ctx: ControlContext, region: string) {
  const usage = await ctx.store.countFunctions(region);
  const limit = ctx.config.concurrencyLimit;
  return {
    AccountLimit: {
      TotalCodeSize: 80_530_636_800,
      CodeSizeUnzipped: 262_144_000,
      CodeSizeZipped: 52_428_800,
      ConcurrentExecutions: limit,
      UnreservedConcurrentExecutions: limit - usage.reservedConcurrency,
    },
    AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.count },
  };
}
