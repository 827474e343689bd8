// The one-way flow of README "Architecture", checked on the source: every import of a module in
// src/ goes to its own stage or an earlier one, and every document a comment cites exists.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');

/** The stages in data-flow order; a module may import from its stage or an earlier one. */
const STAGES: Array<[string, RegExp]> = [
  ['vocabulary', /^(vocabulary|version|fsutil|memo)\.ts$/],
  ['sources', /^sources\//],
  ['ca', /^ca\//],
  ['dns', /^dns\//],
  ['caa', /^caa\//],
  ['explain', /^explain\//],
  ['check', /^check\.ts$/],
  ['suggest', /^suggest\//],
  ['report', /^report\//],
  ['demo', /^demo\//],
  ['commands', /^commands\//],
  ['cli', /^cli\.ts$/],
];

function stageOf(file: string): number {
  const index = STAGES.findIndex(([, pattern]) => pattern.test(file));
  if (index < 0) throw new Error(`${file} belongs to no stage: add it to README "Architecture" and to STAGES`);
  return index;
}

function sources(dir = src): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.relative(src, path.join(dir, e.name))] : [],
  );
}

const files = sources();

describe('architecture', () => {
  it.each(files)('%s imports only from its own or earlier stages', (file) => {
    const text = readFileSync(path.join(src, file), 'utf8');
    const imports = [...text.matchAll(/^import [^;]*? from '(\.[^']+)';/gms)].map((m) => m[1]!);
    const late = imports
      .map((spec) => path.relative(src, path.resolve(path.dirname(path.join(src, file)), spec)).replace(/\.js$/, '.ts'))
      .filter((target) => stageOf(target) > stageOf(file));
    expect(late, `${file} reaches forward to a later stage`).toEqual([]);
  });
  it('keeps the vocabulary free of imports of ours', () => {
    expect(readFileSync(path.join(src, 'vocabulary.ts'), 'utf8')).not.toMatch(/from '\./);
  });
  it('keeps every module short enough to read in one sitting', () => {
    const long = files.filter((f) => readFileSync(path.join(src, f), 'utf8').split('\n').length > 350);
    expect(long).toEqual([]);
  });
  it('cites only documents that are in the repository', () => {
    const cited = new Set(files.flatMap((f) => [...readFileSync(path.join(src, f), 'utf8').matchAll(/docs\/[\w-]+\.md/g)].map((m) => m[0])));
    expect(cited.size).toBeGreaterThan(3);
    expect([...cited].filter((doc) => !existsSync(path.join(root, doc)))).toEqual([]);
    const bare = files.filter((f) => /(?<![\w/-])[\w-]+\.md\b/.test(readFileSync(path.join(src, f), 'utf8')));
    expect(bare, 'a citation without its docs/ path').toEqual([]);
  });
});
