/**
 * Directories below a folder destination, opened one component at a time without ever
 * following a symbolic link, then used through their file descriptor.
 *
 * Invariants:
 * - nothing below the destination's real path is reached through a link: each component
 *   is opened with O_NOFOLLOW | O_DIRECTORY, and a link is an error naming it;
 * - on Linux every later step (open, mkdir, rename, readdir) goes through
 *   /proc/self/fd/<fd> of the directory already opened, the way openat(2) would, so a
 *   link swapped in after the check cannot redirect it (no check-then-use window).
 *   Elsewhere (no /proc) the checks hold at the moment each component is opened.
 */
import { constants, existsSync } from 'node:fs';
import { type FileHandle, lstat, mkdir, open } from 'node:fs/promises';

const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** /proc/self/fd/<fd>/<name> resolves through the open directory itself (Linux). */
const PROC_FD = existsSync('/proc/self/fd') ? '/proc/self/fd' : undefined;

/** A component that is a link, or a file where a directory should be. */
export class UnsafePathError extends Error {
  constructor(
    readonly path: string,
    readonly problem: 'link' | 'not-directory',
  ) {
    super(problem === 'link' ? `${path} is a symbolic link` : `${path} is not a directory`);
  }
}

export interface OpenDirectory {
  /** The path that reaches this directory without resolving any name again. */
  readonly via: string;
  /** The path as reported to people. */
  readonly shown: string;
  close(): Promise<void>;
}

function handleOf(file: FileHandle, plain: string): OpenDirectory {
  return {
    via: PROC_FD ? `${PROC_FD}/${file.fd}` : plain,
    shown: plain,
    close: () => file.close(),
  };
}

/**
 * Opens `root` (following links in it: the destination was named by whoever runs publish),
 * then each of `segments` below it without following any. Undefined when a component does
 * not exist and `create` is false; with `create`, missing directories are made (0755).
 */
export async function openDirectoryBelow(
  root: string,
  segments: readonly string[],
  create: boolean,
): Promise<OpenDirectory | undefined> {
  let current = await openRoot(root, create);
  if (!current) return undefined;
  for (const segment of segments) {
    const shown = `${current.shown === '/' ? '' : current.shown}/${segment}`;
    try {
      const next = await openChild(current, segment, shown, create);
      await current.close();
      if (!next) return undefined;
      current = next;
    } catch (error) {
      await current.close();
      throw error;
    }
  }
  return current;
}

/** The destination's own folder, links in its path followed; made (with its parents) when missing and `create`. */
async function openRoot(root: string, create: boolean): Promise<OpenDirectory | undefined> {
  const openIt = async () => handleOf(await open(root, constants.O_RDONLY | constants.O_DIRECTORY), root);
  try {
    return await openIt();
  } catch (error) {
    if (!create) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(root, { recursive: true, mode: 0o755 });
  return openIt();
}

async function openChild(
  parent: OpenDirectory,
  segment: string,
  shown: string,
  create: boolean,
): Promise<OpenDirectory | undefined> {
  const path = `${parent.via}/${segment}`;
  try {
    return handleOf(await open(path, DIRECTORY_FLAGS), shown);
  } catch (error) {
    const found = await whyNotOpened(error, path, shown);
    if (!create) return undefined;
    if (found === 'file') throw new UnsafePathError(shown, 'not-directory');
  }
  try {
    await mkdir(path, { mode: 0o755 });
  } catch (error) {
    // Made meanwhile by someone else: opened (and checked) below like any other.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return openChild(parent, segment, shown, false);
}

/**
 * Why a directory could not be opened, when nothing is wrong: it is missing, or a file is in
 * its place (nothing below it exists, and nothing can be made). A link, or any other error, is thrown.
 */
async function whyNotOpened(error: unknown, path: string, shown: string): Promise<'missing' | 'file'> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'missing';
  // O_NOFOLLOW | O_DIRECTORY on a link fails with ENOTDIR (Linux) or ELOOP: tell the two apart.
  if (code !== 'ENOTDIR' && code !== 'ELOOP') throw error;
  if ((await lstat(path)).isSymbolicLink()) throw new UnsafePathError(shown, 'link');
  return 'file';
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
