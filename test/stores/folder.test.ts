/**
 * The store contract on a folder, opened as a run opens it (stores/open.ts). A folder
 * shows no reads to anyone; its writes are the files whose inode changed (each put renames
 * a new file in), in the order their put() finished. A write is refused by a plain file
 * where the key's directory should be (moved aside meanwhile and put back by heal()): that
 * holds as root too, which file modes do not (the EACCES case runs as a process as nobody,
 * test/publish.cli.test.ts).
 */
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/stores/open.js';
import type { ObjectStore } from '../../src/stores/store.js';
import { describeStoreContract, literally, type StoreSite } from './contract.js';

let root: string;
let sites = 0;

/** The store, passing every call through, noting each put() once it has finished. */
function notingPuts(store: ObjectStore, finished: string[]): ObjectStore {
  return {
    ...store,
    description: store.description,
    recordsHeaders: store.recordsHeaders,
    locate: (key) => store.locate(key),
    head: (key, signal) => store.head(key, signal),
    get: (key, signal) => store.get(key, signal),
    async put(key, body, options, signal) {
      await store.put(key, body, options, signal);
      finished.push(key);
    },
    close: () => store.close(),
  };
}

async function inode(path: string): Promise<bigint | undefined> {
  return (await stat(path, { bigint: true }).catch(() => undefined))?.ino;
}

describeStoreContract({
  name: 'folder',
  noStall: 'a folder on a local disk cannot be made to stall on demand',
  async start() {
    root = await mkdtemp(join(tmpdir(), 'kog-store-folder-'));
  },
  async stop() {
    await rm(root, { recursive: true, force: true });
  },
  async site(): Promise<StoreSite> {
    const n = ++sites;
    const path = join(root, `site-${n}`);
    const finished: string[] = [];
    let inodes = new Map<string, bigint | undefined>();
    let marked = 0;
    const moved: Array<{ blocker: string; aside?: string }> = [];
    return {
      description: path,
      locate: (key) => `${path}/${key}`,
      recordsHeaders: false,
      async open(timeoutMs = 10_000) {
        const store = await openStore({ kind: 'folder', path, description: path }, { timeoutMs });
        return notingPuts(store, finished);
      },
      async readBack(key) {
        const body = await readFile(join(path, key)).catch(() => undefined);
        return body && { body };
      },
      async mark() {
        marked = finished.length;
        inodes = new Map(
          await Promise.all(finished.map(async (key) => [key, await inode(join(path, key))] as const)),
        );
      },
      calls: () => undefined,
      async writes() {
        const landed: string[] = [];
        for (const key of finished.slice(marked)) {
          // A file replaced twice since the mark counts each time: its inode differs from the mark's.
          if ((await inode(join(path, key))) !== inodes.get(key)) landed.push(key);
        }
        return landed;
      },
      // No refusePublicRead: a folder has no ACLs.
      async refuseWrites(key) {
        const top = key.split('/')[0] as string;
        if (top === key)
          throw new Error(`the folder harness refuses only keys below a directory, not ${key}`);
        const blocker = join(path, top);
        const aside = join(root, `aside-${n}-${moved.length}`);
        const existed = await rename(blocker, aside).then(
          () => true,
          () => false,
        );
        await writeFile(blocker, 'a file where a directory should be');
        moved.push({ blocker, ...(existed ? { aside } : {}) });
        return {
          code: 'STORE_WRITE_FAILED',
          line: new RegExp(`^cannot write ${literally(`${path}/${key}`)}: ENOTDIR$`),
        };
      },
      async heal() {
        for (const { blocker, aside } of moved.splice(0).reverse()) {
          await rm(blocker, { force: true });
          if (aside) await rename(aside, blocker);
        }
      },
    };
  },
});
