/**
 * The file habits both key stores share: files only their owner may access (mode 0600, judged on the open
 * descriptor so the file judged is the file read), written through a synced temporary file, and folders
 * synced after a create, rename or unlink so that the change itself survives a crash.
 */
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalKeyError } from './local-key-error.js';

/** Refuses a mode that lets group or others in. */
export function checkPrivate(file: string, mode: number): void {
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new LocalKeyError('KEY_FILE_INSECURE', `key file ${file} has mode ${octal}, which lets group or others access it; run "chmod 600 ${file}"`);
  }
}

/** The text of a private regular file; undefined when there is none. */
export async function readPrivate(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new LocalKeyError('KEY_FILE_INVALID', `key file ${file} is not a regular file`);
    checkPrivate(file, stats.mode);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Writes `content` to a new temporary file (mode 0600) in `folder`, synced; returns its path. */
export async function writeSyncedTemporary(folder: string, content: string): Promise<string> {
  const temporary = join(folder, `.tmp-${randomBytes(8).toString('hex')}`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temporary;
}

/** Makes a create, rename or unlink in `folder` durable; a file system that refuses to sync a folder only costs durability. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // EINVAL/EISDIR on some file systems: the data itself was synced before.
  } finally {
    await handle.close();
  }
}
