// The slice of Node-RED's runtime API that the node adapters use, typed here by hand.
// @types/node-red still describes Node-RED 1.3; these few interfaces describe 4.x and 5.x as
// the adapters rely on them (close(removed, done), send/done in input handlers). Types only:
// nothing in nodes/ imports Node-RED itself.

import type { IncomingMessage, ServerResponse } from 'http';
import type { NodeStatusLike } from './status';

export interface NodeMessage {
  _msgid?: string;
  topic?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export type SendFn = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;
export type DoneFn = (err?: Error) => void;

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [key: string]: unknown;
}

export interface RedNode<Creds = Record<string, string>> {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials: Partial<Creds>;
  status(status: NodeStatusLike): void;
  send: SendFn;
  error(err: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
  debug(message: unknown): void;
  on(event: 'input', listener: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): void;
  on(event: 'close', listener: (removed: boolean, done: () => void) => void): void;
}

export interface HttpRequest extends IncomingMessage {
  params: Record<string, string>;
  query: Record<string, unknown>;
}

export interface HttpResponse extends ServerResponse {
  status(code: number): HttpResponse;
  json(body: unknown): void;
  send(body: unknown): void;
}

type Handler = (req: HttpRequest, res: HttpResponse, next?: () => void) => void;

export interface HttpRouter {
  get(path: string, ...handlers: Handler[]): void;
  post(path: string, ...handlers: Handler[]): void;
  _router?: { stack: { route?: { path: string } }[] };
}

export interface RedAPI {
  nodes: {
    createNode(node: object, def: NodeDef): void;
    registerType(type: string, ctor: Function, options?: { credentials?: Record<string, { type: 'text' | 'password' }>; settings?: object }): void;
    getNode(id: string): unknown;
  };
  settings: Record<string, unknown>;
  httpNode: HttpRouter;
  httpAdmin: HttpRouter;
  auth: { needsPermission(permission: string): Handler };
  _(key: string, substitutions?: Record<string, unknown>): string;
  log: { info(m: unknown): void; warn(m: unknown): void; error(m: unknown): void; debug(m: unknown): void };
  version(): string;
}
