// What the `run` wrapper needs to know about a renewal command line: whether it renews, which
// lineages it would renew (as a selection request), how it changes them, and how to renew one.
import type { Lineage } from './lineage.js';
import type { SelectionRequest } from './select.js';

/** A certbot or acme.sh command line, understood. */
export interface WrappedCommand {
  client: 'certbot' | 'acme.sh';
  command: string[];
  /** Whether this command renews at all (certbot renew, acme.sh --cron/--renew-all/--renew). */
  renews: boolean;
  /** The lineages it would renew now, as src/sources/select.ts selects them. */
  request: SelectionRequest;
  /** A lineage as this command will present it to the CA (certbot --server, --dry-run). */
  adjust(lineage: Lineage): Promise<Lineage>;
  /** The command that renews exactly this lineage. */
  commandFor(lineage: Lineage): string[];
}

/** The value of a flag (`--flag value` or `--flag=value`); the last one wins. */
export function flagValue(args: string[], ...names: string[]): string | null {
  let value: string | null = null;
  args.forEach((arg, i) => {
    for (const name of names) {
      if (arg === name && i + 1 < args.length) value = args[i + 1]!;
      else if (arg.startsWith(`${name}=`)) value = arg.slice(name.length + 1);
    }
  });
  return value;
}

/** The parts of a selection request a wrapped command does not decide: no -d names, no --all. */
export function wrappedRequestBase(): Pick<SelectionRequest, 'domains' | 'ca' | 'accountUri' | 'challenge' | 'all'> {
  return { domains: [], ca: null, accountUri: null, challenge: null, all: false };
}
