/**
 * The absolute paths a file's bytes spell out: runs such as `/etc/ssl/certs/ca-certificates.crt` or
 * `/usr/share/zoneinfo/`, found in a stream of chunks without keeping the file. A static program
 * names the files it opens this way (Go packs its string constants end to end with no separator, so
 * one run may hold several paths: the reader splits them). Bounded: at most MAX_RUNS runs of at most
 * RUN_MAX characters each.
 */

/** `/` and a top-level directory of the filesystem standard, as a whole name: where a path run starts. */
export const TOP_DIR = '\\/(?:etc|usr|bin|sbin|lib|lib32|lib64|libx32|var|opt|tmp|home|root|srv|run|mnt|media)(?![A-Za-z0-9._+-])';
/** A path run: a top-level directory, then path characters. */
const RUN = new RegExp(`${TOP_DIR}[A-Za-z0-9._+@%:=,~/-]{0,400}`, 'g');
/** Past this many runs the list is cut, and its reader must treat it as incomplete. */
export const MAX_RUNS = 4096;
const CARRY = 512;

export class PathStrings {
  private readonly runs = new Set<string>();
  private carry = '';
  private full = false;

  feed(chunk: Buffer): void {
    if (this.full) return;
    const text = this.carry + chunk.toString('latin1');
    // A run that reaches the end may go on in the next chunk: it is found again there, whole.
    this.scan(text, false);
    this.carry = text.length > CARRY ? text.slice(-CARRY) : text;
  }

  /** The runs found, in the order first met; MAX_RUNS of them when there were more. */
  end(): string[] {
    this.scan(this.carry, true);
    this.carry = '';
    return [...this.runs];
  }

  private scan(text: string, last: boolean): void {
    RUN.lastIndex = 0;
    for (let m = RUN.exec(text); m; m = RUN.exec(text)) {
      if (!last && m.index + m[0].length === text.length) break;
      if (this.runs.size >= MAX_RUNS) {
        this.full = true;
        return;
      }
      this.runs.add(m[0]);
    }
  }
}
