/**
 * The store contract on the memory store (src/stores/memory.ts): its call log shows every
 * call, its fault rule refuses or stalls the ones a test picks.
 */
import { withDeadline } from '../../src/stores/deadline.js';
import {
  createMemoryStore,
  type MemoryCall,
  type MemoryCallRequest,
  type MemoryFault,
  type MemoryObject,
} from '../../src/stores/memory.js';
import { describeStoreContract, literally, type StoreSite } from './contract.js';

let sites = 0;

describeStoreContract({
  name: 'memory',
  async start() {},
  async stop() {},
  async site(): Promise<StoreSite> {
    const name = `site-${++sites}`;
    const objects = new Map<string, MemoryObject>();
    const log: MemoryCall[] = [];
    let rule: ((call: MemoryCallRequest) => MemoryFault | undefined) | undefined;
    let marked = 0;
    const since = () => log.slice(marked).filter((call) => call.op !== 'sweep');
    const locate = (key: string) => `memory://${name}/${key}`;
    return {
      description: `memory://${name}`,
      locate,
      recordsHeaders: true,
      async open(timeoutMs = 10_000) {
        const store = createMemoryStore({ name, objects, calls: log });
        store.fault = (call) => rule?.(call);
        return withDeadline(store, timeoutMs);
      },
      async readBack(key) {
        const object = objects.get(key);
        return object && { ...object, body: Buffer.from(object.body) };
      },
      async mark() {
        marked = log.length;
      },
      calls: () => since().map(({ op, key }) => ({ op: op as 'head' | 'get' | 'put', key })),
      writes: async () =>
        since().flatMap((call) => (call.op === 'put' && call.outcome === 'ok' ? [call.key] : [])),
      async refuseWrites(key) {
        rule = (call) => (call.op === 'put' && call.key === key ? 'denied' : undefined);
        return {
          code: 'STORE_ACCESS_DENIED',
          line: new RegExp(
            `^${literally(locate(key))}: access denied \\(HTTP 403 AccessDenied\\); the identity needs permission to write it$`,
          ),
        };
      },
      refusePublicRead(key) {
        rule = (call) =>
          call.op === 'put' && call.key === key && call.options?.publicRead
            ? 'public-read-refused'
            : undefined;
        return {
          code: 'STORE_ACCESS_DENIED',
          line: new RegExp(
            `^${literally(locate(key))}: the bucket refuses --public-read \\(the test refuses ACLs\\); drop --public-read`,
          ),
        };
      },
      stall(key) {
        rule = (call) => (call.op === 'put' && call.key === key ? 'stall' : undefined);
      },
      async heal() {
        rule = undefined;
      },
    };
  },
});
