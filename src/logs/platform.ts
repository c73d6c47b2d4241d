/** The platform's own log lines (INIT_START, START, END, REPORT…), text and JSON formats, as Lambda writes them. */

export interface ReportFields {
  requestId: string;
  durationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  initDurationMs?: number;
  status?: 'timeout' | 'error';
  errorType?: string;
}

const ms = (n: number): string => n.toFixed(2);
/** JSON records carry durations with microsecond precision (`"durationMs":18.593`). */
const jsonMs = (n: number): number => Math.round(n * 1000) / 1000;

/** `nodejs20.x` → `nodejs:20`, `python3.12` → `python:3.12`, `provided.al2023` → `provided:al2023` (as INIT_START names them). */
export function runtimeVersionName(runtime: string): string {
  const id = runtime.replace(/\.x$/, '');
  const m = /^([a-z]+?)(?:\.([a-z][a-z0-9.]*)|([0-9][0-9a-z.]*))$/.exec(id);
  return m ? `${m[1]}:${m[2] ?? m[3]}` : id;
}

export function initStartLine(runtime: string, runtimeVersionArn: string, json: boolean): string {
  const version = `${runtimeVersionName(runtime)}.v1`;
  if (json) {
    return JSON.stringify({
      time: new Date().toISOString(),
      type: 'platform.initStart',
      record: { initializationType: 'on-demand', phase: 'init', runtimeVersion: version, runtimeVersionArn },
    });
  }
  return `INIT_START Runtime Version: ${version}\tRuntime Version ARN: ${runtimeVersionArn}`;
}

export function startLine(requestId: string, version: string, json: boolean): string {
  if (json) return JSON.stringify({ time: new Date().toISOString(), type: 'platform.start', record: { requestId, version } });
  return `START RequestId: ${requestId} Version: ${version}`;
}

/** END; in the JSON format `platform.runtimeDone`, whose record carries the outcome (callers may pass it). */
export function endLine(requestId: string, json: boolean, status: 'success' | 'error' | 'timeout' = 'success', errorType?: string): string {
  if (json) {
    return JSON.stringify({ time: new Date().toISOString(), type: 'platform.runtimeDone', record: { requestId, status, ...(errorType ? { errorType } : {}) } });
  }
  return `END RequestId: ${requestId}`;
}

export function reportLine(r: ReportFields, json: boolean): string {
  const billed = Math.ceil(r.durationMs);
  if (json) {
    return JSON.stringify({
      time: new Date().toISOString(),
      type: 'platform.report',
      record: {
        requestId: r.requestId,
        metrics: {
          durationMs: jsonMs(r.durationMs),
          billedDurationMs: billed,
          memorySizeMB: r.memorySizeMB,
          maxMemoryUsedMB: r.maxMemoryUsedMB,
          ...(r.initDurationMs !== undefined ? { initDurationMs: jsonMs(r.initDurationMs) } : {}),
        },
        status: r.status ?? 'success',
        ...(r.errorType ? { errorType: r.errorType } : {}),
      },
    });
  }
  let line =
    `REPORT RequestId: ${r.requestId}\tDuration: ${ms(r.durationMs)} ms\tBilled Duration: ${billed} ms\t` +
    `Memory Size: ${r.memorySizeMB} MB\tMax Memory Used: ${r.maxMemoryUsedMB} MB\t`;
  if (r.initDurationMs !== undefined) line += `Init Duration: ${ms(r.initDurationMs)} ms\t`;
  if (r.status === 'timeout') line += 'Status: timeout';
  else if (r.status === 'error') line += `Status: error\tError Type: ${r.errorType ?? 'Runtime.Unknown'}`;
  return line;
}

export function timeoutLine(requestId: string, timeoutSeconds: number): string {
  return `${new Date().toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

export function initReportLine(durationMs: number, phase: 'init' | 'invoke', status: 'error' | 'timeout', errorType?: string, json = false): string {
  if (json) {
    return JSON.stringify({
      time: new Date().toISOString(),
      type: 'platform.initReport',
      record: { initializationType: 'on-demand', phase, status, ...(errorType ? { errorType } : {}), metrics: { durationMs: jsonMs(durationMs) } },
    });
  }
  return `INIT_REPORT Init Duration: ${ms(durationMs)} ms\tPhase: ${phase}\tStatus: ${status}${errorType ? `\tError Type: ${errorType}` : ''}`;
}

/**
 * The notice a function's log stream gets when its events were dropped (its log rate budget ran
 * out): Lambda's `platform.logsDropped` record in the JSON format, a platform line in its style in text.
 */
export function logsDroppedLine(droppedRecords: number, droppedBytes: number, reason: string, json: boolean): string {
  if (json) {
    return JSON.stringify({ time: new Date().toISOString(), type: 'platform.logsDropped', record: { reason, droppedRecords, droppedBytes } });
  }
  return `LOGS_DROPPED DroppedRecords: ${droppedRecords}\tDroppedBytes: ${droppedBytes}\tReason: ${reason}`;
}
