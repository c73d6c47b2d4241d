/** EventBridge Scheduler (rest-json) on the Lambda endpoint: /schedules, /schedule-groups, /tags. */
import type { ScheduleService } from '../events/schedules/schedule-service.js';
import { SchedulerError } from '../events/schedules/errors.js';
import type { ApiRequest, ApiResponse, Route } from './http.js';

type Body = Record<string, unknown>;

function body(req: ApiRequest): Body {
  if (req.body.length === 0) return {};
  try {
    const v = JSON.parse(req.body.toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Body;
  } catch {
    // fall through
  }
  throw new SchedulerError('ValidationException', 'The request body is not a valid JSON object.');
}

const q = (req: ApiRequest, name: string) => req.query.get(name) ?? undefined;

function int(req: ApiRequest, name: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw new SchedulerError('ValidationException', `${name} must be an integer.`);
  return Number(raw);
}

/** Scheduler errors are shaped here (`{"Message": …}` + x-amzn-ErrorType), not by the Lambda error boundary. */
function wrap(onInternalError: ((err: unknown) => void) | undefined, f: (req: ApiRequest) => Promise<Body>): (req: ApiRequest) => Promise<ApiResponse> {
  return async (req) => {
    try {
      return { status: 200, body: await f(req) };
    } catch (err) {
      let e = err;
      if (!(e instanceof SchedulerError)) {
        onInternalError?.(e);
        e = new SchedulerError('InternalServerException', 'Unexpected error during processing of request.');
      }
      const se = e as SchedulerError;
      return { status: se.status, headers: { 'x-amzn-ErrorType': se.code }, body: { Message: se.message } };
    }
  };
}

export function schedulerRoutes(s: ScheduleService, onInternalError?: (err: unknown) => void): Route[] {
  const h = (f: (req: ApiRequest) => Promise<Body>) => wrap(onInternalError, f);
  return [
    { method: 'POST', path: '/schedules/{Name}', operation: 'CreateSchedule', handler: h((r) => s.createSchedule(r.region, r.params.Name, body(r))) },
    { method: 'GET', path: '/schedules/{Name}', operation: 'GetSchedule', handler: h((r) => s.getSchedule(r.region, r.params.Name, q(r, 'groupName'))) },
    { method: 'PUT', path: '/schedules/{Name}', operation: 'UpdateSchedule', handler: h((r) => s.updateSchedule(r.region, r.params.Name, body(r))) },
    { method: 'DELETE', path: '/schedules/{Name}', operation: 'DeleteSchedule', handler: h((r) => s.deleteSchedule(r.region, r.params.Name, q(r, 'groupName'))) },
    {
      method: 'GET',
      path: '/schedules',
      operation: 'ListSchedules',
      handler: h((r) => s.listSchedules(r.region, { group: q(r, 'ScheduleGroup'), prefix: q(r, 'NamePrefix'), state: q(r, 'State'), maxResults: int(r, 'MaxResults'), nextToken: q(r, 'NextToken') })),
    },
    { method: 'POST', path: '/schedule-groups/{Name}', operation: 'CreateScheduleGroup', handler: h((r) => s.createScheduleGroup(r.region, r.params.Name, body(r))) },
    { method: 'GET', path: '/schedule-groups/{Name}', operation: 'GetScheduleGroup', handler: h((r) => s.getScheduleGroup(r.region, r.params.Name)) },
    { method: 'DELETE', path: '/schedule-groups/{Name}', operation: 'DeleteScheduleGroup', handler: h((r) => s.deleteScheduleGroup(r.region, r.params.Name)) },
    {
      method: 'GET',
      path: '/schedule-groups',
      operation: 'ListScheduleGroups',
      handler: h((r) => s.listScheduleGroups(r.region, { prefix: q(r, 'NamePrefix'), maxResults: int(r, 'MaxResults'), nextToken: q(r, 'NextToken') })),
    },
    { method: 'POST', path: '/tags/{ResourceArn}', operation: 'TagResource', handler: h((r) => s.tagResource(r.region, r.params.ResourceArn, body(r))) },
    { method: 'GET', path: '/tags/{ResourceArn}', operation: 'ListTagsForResource', handler: h((r) => s.listTagsForResource(r.region, r.params.ResourceArn)) },
    { method: 'DELETE', path: '/tags/{ResourceArn}', operation: 'UntagResource', handler: h((r) => s.untagResource(r.region, r.params.ResourceArn, r.query.getAll('TagKeys'))) },
  ];
}
