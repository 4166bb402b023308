// Node-RED under test: 4.1 (package `node-red`) or 5.x (alias `node-red-5`), chosen by
// P2PCAM_NODE_RED, which scripts/run-tests.js sets for each of its two runs.
import helper = require('node-red-node-test-helper');
import * as path from 'node:path';

export const nodeRedLine = process.env.P2PCAM_NODE_RED === 'nr5' ? 'nr5' : 'nr4';
const modulePath = require.resolve(nodeRedLine === 'nr5' ? 'node-red-5' : 'node-red');
helper.init(modulePath);

/**
 * The helper wraps Node.prototype.send, status, log … in sinon spies that record every call and
 * keep every message: right for assertions, wrong for measuring (the spies cost more per message
 * than the nodes do, and hold every frame). Benchmarks call this after `helper.load` with the
 * flow, so that Node-RED runs as in production; `helper.unload` works as before. Node-RED copies
 * `send` onto each wired node when it starts, so the running nodes get the unwrapped one too.
 */
export function removeHelperSpies(flow: { id: string }[]): void {
  const internals = helper as unknown as { _sandbox: { restore(): void }; _NodePrototype: { send: unknown } };
  internals._sandbox.restore();
  for (const { id } of flow) {
    const node = helper.getNode(id) as { send?: { isSinonProxy?: boolean } } | null;
    if (node?.send?.isSinonProxy) node.send = internals._NodePrototype.send as typeof node.send;
  }
}

/** The major version the tests expect the loaded runtime to have. */
export const expectedNodeRedMajor = nodeRedLine === 'nr5' ? 5 : 4;

export { helper };

/** One of Node-RED's own nodes (e.g. 'common/25-catch.js') from the runtime under test. */
export function coreNode(file: string): unknown {
  const base = path.dirname(require.resolve(nodeRedLine === 'nr5' ? 'node-red-5/package.json' : 'node-red/package.json'));
  return require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [base] }));
}

/** A flow tab, so catch and status nodes work in the flow. */
export const TAB = { id: 'f1', type: 'tab', label: 'test' };

/** Resolves with the next `count` messages a helper node receives. */
export function collect(nodeId: string, count: number, timeoutMs = 10_000): Promise<Record<string, any>[]> {
  const node = helper.getNode(nodeId);
  const got: Record<string, any>[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out: ${got.length} of ${count} messages at ${nodeId}`)), timeoutMs);
    node.on('input', (msg: Record<string, any>) => {
      got.push(msg);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

/** Everything a helper node receives, as it arrives. */
export function record(nodeId: string): Record<string, any>[] {
  const got: Record<string, any>[] = [];
  helper.getNode(nodeId).on('input', (msg: Record<string, any>) => got.push(msg));
  return got;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns true. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

