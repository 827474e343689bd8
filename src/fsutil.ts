// Small file-system helpers: type checks where a missing or unreadable path is simply "no",
// bounded reads of other programs' files, and atomic replacement of a file.
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import { chmod, open, rename, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Most bytes read from one configuration, account or certificate file. They are a few KB; a
 * bigger one (a symlink to /dev/zero, a log in the wrong place) is not what it claims to be.
 */
export const MAX_READ_BYTES = 1 << 20;

/**
 * Read a regular file of at most `limit` bytes. Opened non-blocking and checked before reading,
 * so a FIFO or device named like a conf is refused at once instead of waited on forever.
 */
export function readSmallFileSync(file: string, limit = MAX_READ_BYTES): Buffer {
  return readRegularSync(file, limit, false);
}

/**
 * The first `limit` bytes of a regular file (all of a shorter one): for reading back a value
 * near the top of a file of ours that may have grown large. Refuses what readSmallFileSync does,
 * except size.
 */
export function readFileHeadSync(file: string, limit: number): Buffer {
  return readRegularSync(file, limit, true);
}

/** Reused for every read: a fleet reads thousands of small files, each copied out at its size. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Read a file opened non-blocking: at most `limit` bytes; a longer file is an error unless
 * `truncate`. Reading stops at the first short read, which for a regular file is its end; what is
 * not a regular file shows itself by what reading does (no data, EAGAIN, EISDIR, endless data)
 * and only then is it looked at with fstat, so the common case costs open, read and close.
 */
function readRegularSync(file: string, limit: number, truncate: boolean): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    let read = 0;
    for (;;) {
      if (read === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger);
        scratch = bigger;
      }
      let n: number;
      try {
        n = readSync(fd, scratch, read, Math.min(scratch.length, limit + 1) - read, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EISDIR') throw new Error('is a directory');
        if (code === 'EAGAIN') throw new Error('not a regular file (a FIFO, socket or device)');
        throw err;
      }
      if (n === 0 && read === 0 && !fstatSync(fd).isFile()) throw new Error('not a regular file (a FIFO, socket or device)');
      read += n;
      if (read > limit) {
        const info = fstatSync(fd);
        if (!info.isFile()) throw new Error('not a regular file (a FIFO, socket or device)');
        if (truncate) return Buffer.from(scratch.subarray(0, limit));
        throw new Error(`too large (${info.size} bytes; a configuration file is at most ${limit})`);
      }
      // A short read is the end of a regular file (a pipe's writer could be slower: such a file
      // is not a configuration anyway, and what it gave is all that is read).
      if (n === 0 || read < Math.min(scratch.length, limit + 1)) return Buffer.from(scratch.subarray(0, read));
    }
  } finally {
    closeSync(fd);
    if (scratch.length > MAX_READ_BYTES) scratch = Buffer.allocUnsafe(64 * 1024); // a big zone file's bytes are not kept
  }
}

/**
 * Where a path leads when it is a symlink (one hop, resolved against its directory), else the
 * path itself: certbot's live/NAME/cert.pem names its archive file this way. One readlink instead
 * of realpath's one per path component, which a fleet of thousands of lineages feels.
 */
export function linkTargetSync(file: string): string {
  try {
    return path.resolve(path.dirname(file), readlinkSync(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EINVAL') return file; // not a symlink
    throw err;
  }
}

/** readSmallFileSync as text. */
export function readSmallTextSync(file: string): string {
  return readSmallFileSync(file).toString('utf8');
}

/** Whether p is a regular file (following symlinks). */
export async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

/** Whether p is a directory (following symlinks). */
export async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** Write a file atomically: a temp file in the same directory with `mode`, then rename over the target. */
export async function writeFileAtomic(file: string, content: string, mode = 0o644): Promise<void> {
  const atomic = await AtomicFile.open(file, mode);
  await atomic.write(content);
  await atomic.commit();
}

/**
 * A file written in pieces and put in place atomically: readers see the old file or the whole
 * new one, never half of it (a metrics collector, monitoring reading a status file).
 */
export class AtomicFile {
  private constructor(
    private readonly file: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
    private readonly mode: number,
  ) {}

  /** Start writing `file`; its directory must exist (a mistyped path is an error, not a new directory). */
  static async open(file: string, mode = 0o644): Promise<AtomicFile> {
    if (!(await isDirectory(path.dirname(file)))) throw new Error(`no such directory: ${path.dirname(file)}`);
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
    return new AtomicFile(file, temp, await open(temp, 'w', mode), mode);
  }

  async write(piece: string): Promise<void> {
    await this.handle.write(piece);
  }

  /** Close, and rename over the target. */
  async commit(): Promise<void> {
    await this.handle.close();
    await chmod(this.temp, this.mode); // the open mode is filtered by the umask
    await rename(this.temp, this.file);
  }
}
