// The parts of node-red-node-test-helper (0.3.x) the tests use; the package ships no types.
declare module 'node-red-node-test-helper' {
  interface TestNode {
    id: string;
    type: string;
    receive(msg: Record<string, unknown>): void;
    on(event: string, listener: (...args: any[]) => void): void;
    status: { args: unknown[][]; callCount: number };
    error: { args: unknown[][]; callCount: number };
    warn: { args: unknown[][]; callCount: number };
    [key: string]: any;
  }
  interface Helper {
    init(nodeRedPath: string, settings?: Record<string, unknown>): void;
    settings(settings: Record<string, unknown>): void;
    load(nodes: unknown, flow: object[], credentials?: Record<string, unknown>): Promise<void>;
    setFlows(flow: object[], type?: 'full' | 'flows' | 'nodes', credentials?: Record<string, unknown>): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): TestNode;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    url(): string;
    request(): any;
    clearFlows(): Promise<void>;
    _RED: { version(): string; [key: string]: any };
  }
  const helper: Helper;
  export = helper;
}
