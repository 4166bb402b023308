// What an amba-rpc node sees of its amba-camera config node (a separate file: the node module
// itself is `export =` and cannot export types).

import type { AmbaClient } from './amba-client';
import type { RedNode } from '../core/node-red-types';

export interface AmbaCameraNode extends RedNode {
  cameraName: string;
  client: AmbaClient;
  /** A user node joins: the first one starts the connection. */
  register(user: RedNode): void;
  /** A user node leaves: the last one stops the connection. */
  deregister(user: RedNode): Promise<void>;
}
