import type { ContentCapture } from '../../walk/types.js';

/**
 * Which files' content the findings need, and how much of it a walk may keep: package databases
 * (to say "build-essential was installed in layer 3" and which files it owns), npm manifests (to
 * tell devDependencies), and credential-file candidates (to confirm a secret without printing it).
 * Bounded per file and per image, so a huge image cannot make the walk hold much.
 */

const KB = 1024;
const MB = 1024 * KB;

/**
 * [pattern, max bytes of one file, quiet] — first match wins. `quiet`: a bigger file is not a
 * private key (those are a few kB) but e.g. a CA bundle such as certifi's cacert.pem, so skipping
 * it loses nothing and is not worth a note.
 */
const WANTED: Array<[RegExp, number, boolean?]> = [
  [/^var\/lib\/dpkg\/status$/, 16 * MB],
  [/^var\/lib\/dpkg\/status\.d\/[^/]+$/, 256 * KB],
  [/^var\/lib\/dpkg\/info\/[^/]+\.list$/, 2 * MB],
  [/^var\/lib\/apt\/extended_states$/, 4 * MB],
  [/^lib\/apk\/db\/installed$/, 32 * MB],
  [/^etc\/apk\/world$/, 64 * KB],
  [/(?:^|\/)node_modules\/\.package-lock\.json$/, 16 * MB],
  [/^(?!.*(?:^|\/)node_modules\/).*(?:^|\/)package\.json$/, 1 * MB],
  [/(?:^|\/)\.(?:npmrc|pypirc|git-credentials|netrc)$/, 256 * KB],
  [/(?:^|\/)\.docker\/config\.json$/, 256 * KB],
  [/(?:^|\/)\.aws\/credentials$/, 256 * KB],
  [/(?:^|\/)\.env(?:\.[\w-]+)?$/, 256 * KB],
  [/^(?!etc\/ssl\/certs\/|usr\/share\/ca-certificates\/).*\.(?:pem|key|ppk)$/, 64 * KB, true],
  [/(?:^|\/)id_(?:rsa|dsa|ecdsa|ed25519)$/, 64 * KB, true],
];

/** A ContentCapture with a total budget (default 64 MB) shared by every layer of one image. */
export class FindingsCapture implements ContentCapture {
  /** Files that matched but were not kept because they or the budget were too big. */
  skipped = 0;
  constructor(private budget = 64 * MB) {}

  /** What the report should say when some wanted files were too big to keep. */
  note(): string | undefined {
    if (this.skipped === 0) return undefined;
    return `findings: ${this.skipped} package-database or credential file(s) were too big to read; package evidence and secret checks may be incomplete`;
  }

  want(path: string, size: number): boolean {
    for (const [re, max, quiet] of WANTED) {
      if (!re.test(path)) continue;
      if (quiet && size > max) return false;
      if (size > max || size > this.budget) {
        this.skipped++;
        return false;
      }
      this.budget -= size;
      return true;
    }
    return false;
  }
}
