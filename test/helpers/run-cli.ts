// Run the preflight command in-process with captured output.
import { Writable } from 'node:stream';
import { main } from '../../src/cli.js';
import type { JsonDocument, JsonName } from '../../src/report/json.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Run `preflight ARGS` in-process; `now` and `env` are injectable. */
export async function runCli(
  args: string[],
  options: { now?: Date; env?: NodeJS.ProcessEnv; resolvConfPath?: string; cwd?: string } = {},
): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, {
    stdout,
    stderr,
    env: options.env ?? {},
    now: () => options.now ?? new Date('2026-11-25T12:00:00Z'),
    resolvConfPath: options.resolvConfPath ?? '/nonexistent/resolv.conf',
    cwd: options.cwd ?? '/nonexistent',
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The JSON document of a `--json` run, typed as the contract (src/report/json.ts). */
export function documentOf(result: CliResult): JsonDocument {
  return JSON.parse(result.stdout) as JsonDocument;
}

/** The JSON document's per-name entries for a `--json` run. */
export function namesOf(result: CliResult): JsonName[] {
  return documentOf(result).lineages.flatMap((l) => l.names);
}
