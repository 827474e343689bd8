// Small file-system helpers: type checks where a missing or unreadable path is simply "no",
// and atomic replacement of a file.
import { chmod, mkdir, open, rename, stat } from 'node:fs/promises';
import path from 'node:path';

/** Whether p is a regular file (following symlinks). */
export async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

/** Whether p is a directory (following symlinks). */
export async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/**
 * Write a file atomically: a temp file in the same directory with `mode`, then rename over the
 * target. `content` may come in pieces (a fleet's JSON report), written as they come.
 */
export async function writeFileAtomic(file: string, content: string | Iterable<string>, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    for (const piece of typeof content === 'string' ? [content] : content) await handle.write(piece);
  } finally {
    await handle.close();
  }
  await chmod(temp, mode); // the open mode is filtered by the umask
  await rename(temp, file);
}
