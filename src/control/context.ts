/** What the control-plane services share: storage, code, configuration and a change feed. */
import { EventEmitter } from 'node:events';
import type { Config } from '../config.js';
import type { CodeStore } from '../code/code-store.js';
import type { Store } from '../store/store.js';

/** Published after every committed mutation, so caches (the invoke path's) can drop stale entries. */
export type FunctionChange =
  | { kind: 'function'; region: string; name: string; version?: string; deleted: boolean }
  | { kind: 'alias'; region: string; name: string; alias: string };

export class ChangeFeed extends EventEmitter<{ change: [FunctionChange] }> {
  publish(change: FunctionChange): void {
    this.emit('change', change);
  }
}

export interface ControlContext {
  store: Store;
  code: CodeStore;
  config: Config;
  changes: ChangeFeed;
}
