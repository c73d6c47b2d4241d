/**
 * The handler a prewarmed Node runtime rehearses with before it has a function (see `rehearse` in
 * bootstrap.cts): loading it and invoking it once compiles the runtime's own loading and invoke
 * code ahead of a cold start. Never seen by a function.
 */
exports.handler = async (event: unknown) => event;
