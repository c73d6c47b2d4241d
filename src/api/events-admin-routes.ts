/**
 * Lambkin's own event-source endpoints: `GET /_lambkin/events` (mappings and schedules with their
 * last run and backlog, for `lambkin events`), and, only on a server started with a test clock
 * (LAMBKIN_TEST_CLOCK=1), `POST /_lambkin/clock {"advanceMs":n}` to move the event clock forward.
 */
import { LambdaError } from '../errors.js';
import type { EventSources } from '../events/event-sources.js';
import { jsonBody, type Route } from './http.js';

export function eventsAdminRoutes(events: EventSources, testClock: boolean): Route[] {
  const routes: Route[] = [{ method: 'GET', path: '/_lambkin/events', handler: async () => ({ status: 200, body: await events.overview() }) }];
  if (testClock) {
    routes.push({
      method: 'POST',
      path: '/_lambkin/clock',
      handler: (req) => {
        const ms = Number(jsonBody(req).advanceMs);
        if (!Number.isFinite(ms) || ms < 0) throw new LambdaError('ValidationException', 'advanceMs must be a number >= 0');
        return { status: 200, body: { now: events.clock.advance(ms) } };
      },
    });
  }
  return routes;
}
