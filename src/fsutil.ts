// Small file-system helpers: type checks where a missing or unreadable path is simply "no",
// and atomic replacement of a file.
import { chmod, open, rename, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

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
