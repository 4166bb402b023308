// The shape of a deployed v720-cloud config node, as the user nodes see it (types only, so the
// adapters can share it without importing one another's `export =` module).

import type { RedNode } from '../core/node-red-types';
import type { FakeCloud } from './fake-cloud';

export interface V720CloudCredentials {
  brokerUsername: string;
  brokerPassword: string;
}

export interface V720CloudNode extends RedNode<V720CloudCredentials> {
  cloud: FakeCloud;
  /** Settles when the listeners are open (rejects with the reason they are not). */
  ready: Promise<void>;
  /** Why the cloud is not running, once start failed. */
  failure: Error | null;
}
