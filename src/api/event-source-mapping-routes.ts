/** The Lambda API's event source mapping routes (2015-03-31/event-source-mappings). */
import { ValidationErrors } from '../errors.js';
import type { MappingService } from '../events/mappings/mapping-service.js';
import { jsonBody, type ApiRequest, type Route } from './http.js';

const P = '/2015-03-31/event-source-mappings';

function maxItems(req: ApiRequest): number | undefined {
  const raw = req.query.get('MaxItems');
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw)) {
    const e = new ValidationErrors();
    e.add(raw, 'maxItems', 'Member must be an integer');
    e.throwIfAny();
  }
  return Number(raw);
}

export function eventSourceMappingRoutes(mappings: MappingService): Route[] {
  return [
    { method: 'POST', path: P, operation: 'CreateEventSourceMapping', handler: async (req) => ({ status: 202, body: await mappings.create(req.region, jsonBody(req)) }) },
    {
      method: 'GET',
      path: P,
      operation: 'ListEventSourceMappings',
      handler: async (req) => ({
        status: 200,
        body: await mappings.list(req.region, {
          eventSourceArn: req.query.get('EventSourceArn') ?? undefined,
          functionName: req.query.get('FunctionName') ?? undefined,
          marker: req.query.get('Marker') ?? undefined,
          maxItems: maxItems(req),
        }),
      }),
    },
    { method: 'GET', path: `${P}/{UUID}`, operation: 'GetEventSourceMapping', handler: async (req) => ({ status: 200, body: await mappings.get(req.params.UUID) }) },
    { method: 'PUT', path: `${P}/{UUID}`, operation: 'UpdateEventSourceMapping', handler: async (req) => ({ status: 202, body: await mappings.update(req.region, req.params.UUID, jsonBody(req)) }) },
    { method: 'DELETE', path: `${P}/{UUID}`, operation: 'DeleteEventSourceMapping', handler: async (req) => ({ status: 202, body: await mappings.delete(req.region, req.params.UUID) }) },
  ];
}
