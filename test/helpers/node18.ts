// Node 18.19 — the nodejs of Debian 12 and Ubuntu 24.04, the oldest Node package.json `engines`
// allows — to run the built CLI as those servers will, while vitest stays on the machine's Node.
// From $CAA_PREFLIGHT_NODE18, else a cache under node_modules/.cache, else fetched once from the
// npm registry, where the official binary is published as node-<platform>-<arch> (bin/node).
// Never a devDependency: that package declares `"bin": {"node": "bin/node"}`, which would shadow
// `node` in every npm script, vitest included.
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const NODE18_VERSION = '18.19.0';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Inside node_modules: git-ignored, and emptied by `npm ci`, so only this test ever fetches it. */
export const NODE18_CACHE = path.join(ROOT, 'node_modules', '.cache', 'caa-preflight-node18');
const FETCH_TIMEOUT_MS = 120_000;

export type Node18 = { path: string; source: string } | { path: null; reason: string };

/** The Node 18 binary for this run (named, cached or fetched), or why there is none. */
export async function findNode18(): Promise<Node18> {
  const named = process.env.CAA_PREFLIGHT_NODE18;
  // Another 18.x at or above the engines floor is fine (Ubuntu 24.04 ships 18.19.1).
  if (named) return checked(named, 'CAA_PREFLIGHT_NODE18', (v) => /^v18\.(19|[2-9]\d)\.\d+$/.test(v));
  const exact = (v: string): boolean => v === `v${NODE18_VERSION}`;
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = path.join(NODE18_CACHE, `${pkg}-${NODE18_VERSION}`);
  const binary = path.join(dir, 'bin', 'node');
  if (await executable(binary)) {
    const cached = await checked(binary, `cached in ${dir}`, exact);
    if (cached.path) return cached;
    await rm(dir, { recursive: true, force: true }); // damaged: fetch it again
  }
  const started = Date.now();
  try {
    await fetchPackage(`${pkg}@${NODE18_VERSION}`, dir);
  } catch (err) {
    const npmSaid = /^npm (?:error|ERR!) (?!code |syscall |errno |\s+at ).*$/m.exec((err as { stderr?: string }).stderr ?? '')?.[0];
    return { path: null, reason: `could not fetch ${pkg}@${NODE18_VERSION} from the npm registry: ${npmSaid ?? (err as Error).message.split('\n')[0]}` };
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.info(`node18: fetched ${pkg}@${NODE18_VERSION} from the npm registry into ${dir} in ${seconds} s`);
  return checked(binary, `fetched into ${dir}`, exact);
}

/** `npm pack` the package (npm's own cache makes a second fetch offline) and keep bin/node. */
async function fetchPackage(spec: string, dir: string): Promise<void> {
  await mkdir(NODE18_CACHE, { recursive: true });
  const work = await mkdtemp(path.join(NODE18_CACHE, 'fetch-'));
  try {
    const besideNode = path.join(path.dirname(process.execPath), 'npm');
    const npm = (await executable(besideNode)) ? besideNode : 'npm';
    const packed = await execa(npm, ['pack', spec, '--pack-destination', work, '--prefer-offline', '--json'], {
      cwd: work, timeout: FETCH_TIMEOUT_MS,
    });
    const filename = (JSON.parse(packed.stdout) as Array<{ filename?: string }>)[0]?.filename;
    if (!filename) throw new Error(`npm pack ${spec} named no tarball: ${packed.stdout.slice(0, 200)}`);
    await execa('tar', ['-xzf', path.join(work, path.basename(filename)), '-C', work, 'package/bin/node'], { timeout: 60_000 });
    // Renamed into place whole, so a half-extracted binary is never taken for the cache.
    await rename(path.join(work, 'package'), dir).catch(async (err: unknown) => {
      if (!(await executable(path.join(dir, 'bin', 'node')))) throw err; // else a parallel run got there first
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The binary, if `node -v` prints an acceptable version; else why not. */
async function checked(binary: string, source: string, accept: (version: string) => boolean): Promise<Node18> {
  const result = await execa(binary, ['-v'], { reject: false, timeout: 10_000 });
  const version = result.stdout.trim();
  if (result.exitCode === 0 && accept(version)) return { path: binary, source: `${source} (${version})` };
  return { path: null, reason: `${binary} (${source}) is not Node ^18.19: ${version || result.stderr.trim() || result.shortMessage}` };
}

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(() => true, () => false);
}
