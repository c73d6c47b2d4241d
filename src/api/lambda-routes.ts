/** The Lambda control-plane REST routes: parse the request, call a service, shape the response. */
import { LambdaError, ValidationErrors } from '../errors.js';
import type { AliasService } from '../control/aliases.js';
import type { FunctionService } from '../control/functions.js';
import type { TagService } from '../control/tags.js';
import type { VersionService } from '../control/versions.js';
import type { ControlContext } from '../control/context.js';
import { accountSettings } from '../control/tags.js';
import type { CodeLinks } from './code-links.js';
import { jsonBody, type ApiRequest, type Route } from './http.js';
import { readCodeBody, type CodeBody } from './code-body.js';

export interface ControlServices {
  ctx: ControlContext;
  functions: FunctionService;
  versions: VersionService;
  aliases: AliasService;
  tags: TagService;
  links: CodeLinks;
}

const F = '/2015-03-31/functions/{FunctionName}';
/** CreateFunction / UpdateFunctionCode body limit (base64 of a 50 MB zip plus the rest). */
const CODE_BODY_LIMIT = 70_167_211;

/**
 * ZipFile arrives base64-encoded inside the JSON body; the body reader has decoded a string one
 * into a file already (a string left in the parsed JSON is its placeholder).
 */
function zipOf(value: unknown, upload: CodeBody) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new LambdaError('InvalidRequestContentException', 'Could not parse request body into json: ZipFile must be a base64 string');
  return upload.zip;
}

/** Streams a code-carrying body to disk, runs `use` with it, and removes the upload's file whatever happens. */
async function withCodeBody<T>(s: ControlServices, req: ApiRequest, member: string[], operation: string, use: (b: CodeBody) => Promise<T>): Promise<T> {
  const upload = await readCodeBody(req.bodyStream!, {
    member,
    maxBody: CODE_BODY_LIMIT,
    operation,
    declaredLength: Number(req.headers['content-length'] ?? 0),
    uploads: s.ctx.code.uploads,
  });
  try {
    return await use(upload);
  } finally {
    await upload.discard();
  }
}

function intParam(req: ApiRequest, name: string, path: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) {
    const errors = new ValidationErrors();
    errors.add(raw, path, 'Member must be an integer');
    errors.throwIfAny();
  }
  return n;
}

const optional = (req: ApiRequest, name: string): string | undefined => req.query.get(name) ?? undefined;

export function lambdaRoutes(s: ControlServices): Route[] {
  return [
    {
      method: 'POST',
      path: '/2015-03-31/functions',
      operation: 'CreateFunction',
      maxBody: CODE_BODY_LIMIT,
      streamBody: true,
      handler: (req) =>
        withCodeBody(s, req, ['Code', 'ZipFile'], 'CreateFunction', async (upload) => {
          const body = upload.json;
          const code = (body.Code ?? undefined) as Record<string, unknown> | undefined;
          const input = { ...body, Code: code && { ...code, ZipFile: zipOf(code.ZipFile, upload) } };
          return { status: 201, body: await s.functions.create(req.region, input as never) };
        }),
    },
    {
      method: 'GET',
      path: '/2015-03-31/functions',
      operation: 'ListFunctions',
      handler: async (req) => ({
        status: 200,
        body: await s.functions.list(req.region, {
          marker: optional(req, 'Marker'),
          maxItems: intParam(req, 'MaxItems', 'maxItems'),
          functionVersion: optional(req, 'FunctionVersion'),
        }),
      }),
    },
    {
      method: 'GET',
      path: F,
      operation: 'GetFunction',
      handler: async (req) => {
        const r = await s.functions.get(req.region, req.params.FunctionName, optional(req, 'Qualifier'));
        const { codeSha, ...rest } = r;
        return {
          status: 200,
          body: { ...rest, Code: { RepositoryType: 'S3', Location: s.links.url(req.host, codeSha) } },
        };
      },
    },
    {
      method: 'GET',
      path: `${F}/configuration`,
      operation: 'GetFunctionConfiguration',
      handler: async (req) => ({
        status: 200,
        body: await s.functions.getConfiguration(req.region, req.params.FunctionName, optional(req, 'Qualifier')),
      }),
    },
    {
      method: 'PUT',
      path: `${F}/code`,
      operation: 'UpdateFunctionCode',
      maxBody: CODE_BODY_LIMIT,
      streamBody: true,
      handler: (req) =>
        withCodeBody(s, req, ['ZipFile'], 'UpdateFunctionCode', async (upload) => {
          const input = { ...upload.json, ZipFile: zipOf(upload.json.ZipFile, upload) };
          return { status: 200, body: await s.functions.updateCode(req.region, req.params.FunctionName, input as never) };
        }),
    },
    {
      method: 'PUT',
      path: `${F}/configuration`,
      operation: 'UpdateFunctionConfiguration',
      handler: async (req) => ({
        status: 200,
        body: await s.functions.updateConfiguration(req.region, req.params.FunctionName, jsonBody(req)),
      }),
    },
    {
      method: 'DELETE',
      path: F,
      operation: 'DeleteFunction',
      handler: async (req) => {
        await s.functions.delete(req.region, req.params.FunctionName, optional(req, 'Qualifier'));
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: `${F}/versions`,
      operation: 'PublishVersion',
      handler: async (req) => ({
        status: 201,
        body: await s.versions.publish(req.region, req.params.FunctionName, jsonBody(req)),
      }),
    },
    {
      method: 'GET',
      path: `${F}/versions`,
      operation: 'ListVersionsByFunction',
      handler: async (req) => ({
        status: 200,
        body: await s.versions.list(req.region, req.params.FunctionName, {
          marker: optional(req, 'Marker'),
          maxItems: intParam(req, 'MaxItems', 'maxItems'),
        }),
      }),
    },
    {
      method: 'POST',
      path: `${F}/aliases`,
      operation: 'CreateAlias',
      handler: async (req) => ({ status: 201, body: await s.aliases.create(req.region, req.params.FunctionName, jsonBody(req)) }),
    },
    {
      method: 'GET',
      path: `${F}/aliases`,
      operation: 'ListAliases',
      handler: async (req) => ({
        status: 200,
        body: await s.aliases.list(req.region, req.params.FunctionName, {
          functionVersion: optional(req, 'FunctionVersion'),
          marker: optional(req, 'Marker'),
          maxItems: intParam(req, 'MaxItems', 'maxItems'),
        }),
      }),
    },
    {
      method: 'GET',
      path: `${F}/aliases/{Name}`,
      operation: 'GetAlias',
      handler: async (req) => ({ status: 200, body: await s.aliases.get(req.region, req.params.FunctionName, req.params.Name) }),
    },
    {
      method: 'PUT',
      path: `${F}/aliases/{Name}`,
      operation: 'UpdateAlias',
      handler: async (req) => ({
        status: 200,
        body: await s.aliases.update(req.region, req.params.FunctionName, req.params.Name, jsonBody(req)),
      }),
    },
    {
      method: 'DELETE',
      path: `${F}/aliases/{Name}`,
      operation: 'DeleteAlias',
      handler: async (req) => {
        await s.aliases.delete(req.region, req.params.FunctionName, req.params.Name);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: '/2017-03-31/tags/{Resource}',
      operation: 'TagResource',
      handler: async (req) => {
        await s.tags.tag(req.region, req.params.Resource, jsonBody(req).Tags);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      path: '/2017-03-31/tags/{Resource}',
      operation: 'UntagResource',
      handler: async (req) => {
        await s.tags.untag(req.region, req.params.Resource, req.query.getAll('tagKeys'));
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: '/2017-03-31/tags/{Resource}',
      operation: 'ListTags',
      handler: async (req) => ({ status: 200, body: await s.tags.list(req.region, req.params.Resource) }),
    },
    {
      method: 'GET',
      path: '/2016-08-19/account-settings',
      operation: 'GetAccountSettings',
      handler: async (req) => ({ status: 200, body: await accountSettings(s.ctx, req.region) }),
    },
    {
      method: 'GET',
      path: '/_lambkin/code/{File}',
      handler: async (req) => {
        const m = /^([0-9a-f]{64})\.zip$/.exec(req.params.File);
        if (!m || !s.links.verify(m[1], req.query)) {
          return { status: 403, headers: { 'Content-Type': 'application/xml' }, body: Buffer.from('<Error><Code>AccessDenied</Code><Message>Request has expired or the signature does not match</Message></Error>') };
        }
        const zip = await s.ctx.code.readZip(m[1]).catch(() => undefined);
        if (!zip) return { status: 404, headers: { 'Content-Type': 'application/xml' }, body: Buffer.from('<Error><Code>NoSuchKey</Code></Error>') };
        return { status: 200, headers: { 'Content-Type': 'application/zip' }, body: zip };
      },
    },
  ];
}
