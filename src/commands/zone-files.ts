// --zone-file: read and parse every what-if zone file before anything is checked (README "What
// if"). A file that cannot be read or parsed is a usage error naming the file and the line.
import { MasterFileError, parseMasterFile, type MasterFile } from '../dns/master-file.js';
import { readSmallFileSync } from '../fsutil.js';
import { printableLine } from '../report/escape.js';
import { UsageError } from './usage-error.js';

/** Most bytes of one zone file: larger than any configuration file, bounded all the same. */
export const MAX_ZONE_FILE_BYTES = 16 << 20;

/** Read and parse the files, in order; two files for the same zone are refused (docs/zone-files.md §5). */
export function loadZoneFiles(paths: string[]): MasterFile[] {
  const zones = paths.map(readZoneFile);
  for (const [i, zone] of zones.entries()) {
    const twin = zones.slice(0, i).find((z) => z.apex === zone.apex);
    if (twin) {
      throw new UsageError(
        `--zone-file ${printableLine(twin.file)} and ${printableLine(zone.file)} are both the zone ${printableLine(zone.apex || '.')}: give one file per zone`,
      );
    }
  }
  return zones;
}

/** One file: its bytes as a byte string (values keep their exact bytes), parsed. */
function readZoneFile(file: string): MasterFile {
  let bytes: Buffer;
  try {
    bytes = readSmallFileSync(file, MAX_ZONE_FILE_BYTES);
  } catch (err) {
    throw new UsageError(`--zone-file ${printableLine(file)}: cannot read it: ${printableLine((err as Error).message)}`);
  }
  const text = bytes.toString('latin1');
  try {
    return parseMasterFile(text, file);
  } catch (err) {
    if (err instanceof MasterFileError) throw new UsageError(`--zone-file ${printableLine(err.message)}`);
    throw err;
  }
}
