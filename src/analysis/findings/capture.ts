import type { ContentCapture } from '../../walk/types.js';
import { isElf, readElf } from './elf.js';
import { EXTENSION } from './extensions.js';

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
  [/(?:^|\/)(?:\.docker\/config\.json|\.kube\/config|kubeconfig)$/, 256 * KB],
  [/(?:^|\/)\.aws\/credentials$/, 256 * KB],
  [/(?:^|\/)\.env(?:\.[\w-]+)?$/, 256 * KB],
  [/^(?!etc\/ssl\/certs\/|usr\/share\/ca-certificates\/).*\.(?:pem|key|ppk)$/, 64 * KB, true],
  [/(?:^|\/)id_(?:rsa|dsa|ecdsa|ed25519)$/, 64 * KB, true],
];

/** The union of WANTED's patterns (a pattern with flags cannot join it: then every path is tried). */
const ANY_WANTED = WANTED.every(([re]) => re.flags === '') ? new RegExp(WANTED.map(([re]) => `(?:${re.source})`).join('|')) : /[^]/;

/** How much of an executable is kept: its ELF headers, dynamic section and strings, or its `#!` line. */
export const EXEC_PREFIX = 64 * KB;
/** Static programs bigger than this are not read whole for the paths they name. */
export const SCAN_MAX = 512 * MB;
/** How much of any other executable in a bin dir is kept. */
export const BIN_PREFIX = 16 * KB;
/** How much of a small file is kept to sniff a key or token by content. */
export const SNIFF_PREFIX = 4 * KB;
/** Files above this size are not sniffed for secrets: keys and token files are small. */
export const SNIFF_MAX = 64 * KB;

/** Where executables live: bin dirs, and a JDK/Go/Node tree's own bin. */
const BIN_DIR = /^(?:usr\/(?:local\/)?)?s?bin\/[^/]+$|^(?:opt|usr\/lib\/jvm|usr\/local)\/(?:[^/]+\/)*bin\/[^/]+$/;
/**
 * Places where a small file holding a key is plausible: not installed software (package trees,
 * language libraries, docs), where keys are test data or examples shipped by others.
 */
const NO_SNIFF =
  /^(?:proc|sys|dev|(?:usr\/(?:local\/)?)?s?bin|usr\/(?:share|include|src|lib|lib64|libexec)|lib|lib64|var\/lib\/(?:dpkg|apt|apk)|var\/cache|etc\/ssl\/certs|etc\/ca-certificates|etc\/alternatives)\/|(?:^|\/)(?:node_modules|site-packages|dist-packages|\.git|\.m2|\.cargo|\.rustup|\.gradle|\.npm|\.cache|go\/pkg|gems|vendor|jmods|__pycache__)\/|\.(?:py[co]|class|jar|so(?:\.\d+)*|o|a|gz|xz|zst|zip|png|jpe?g|gif|svg|ico|woff2?|ttf|css|map|html?|md|txt|rst|js|ts|mjs|cjs|c|h|cc|cpp|rs|go|java|rb|php)$/;

/** What the config says the image runs: the file names whose executables to keep the start of. */
export interface EntryHints {
  /** Basenames of the entrypoint's program and the files it is given (script, jar). */
  names: string[];
}

/** A ContentCapture with a total budget (default 64 MB) shared by every layer of one image. */
export class FindingsCapture implements ContentCapture {
  /** Files that matched but were not kept because they or the budget were too big. */
  skipped = 0;
  /** Budget for executable prefixes and the secret sniff (apart from package databases). */
  private prefixBudget = 16 * MB;
  private scans = 0;
  /** Budget for native extensions' headers. */
  private extensionBudget = 8 * MB;
  private readonly hinted: Set<string>;
  constructor(
    private budget = 64 * MB,
    hints?: EntryHints,
  ) {
    this.hinted = new Set(hints?.names ?? []);
  }

  /** What the report should say when some wanted files were too big to keep. */
  note(): string | undefined {
    if (this.skipped === 0) return undefined;
    // (prefix captures over budget are not worth a note: the runtime set then says what it could not resolve)
    return `findings: ${this.skipped} package-database, credential or native-extension file(s) were too big to read; package evidence, secret checks and the libraries extensions load may be incomplete`;
  }

  want(path: string, size: number, mode = 0): boolean | number {
    // Nearly every path matches none of WANTED: one combined pattern says so in one pass.
    if (ANY_WANTED.test(path)) {
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
    }
    if (size < 4) return false;
    // The entrypoint's program and the files it names (found by basename: symlinks resolve later).
    if (this.hinted.size && this.hinted.has(path.slice(path.lastIndexOf('/') + 1))) return this.take(Math.min(size, EXEC_PREFIX), true);
    // Executables in bin dirs: ELF headers for the libraries they need, or the `#!` interpreter.
    // (16 KiB: headers and .dynstr of most programs; the entrypoint's own files get EXEC_PREFIX)
    if (mode & 0o111 && BIN_DIR.test(path)) return this.take(Math.min(size, BIN_PREFIX));
    // Native extensions of installed libraries: the system libraries they load (extensions.ts). A
    // budget of their own: thousands of them (a scientific Python stack) never crowd out the rest.
    // (a substring test first: the pattern runs on the few paths that can match, not on every file)
    if ((path.includes('.so') || path.endsWith('.node')) && EXTENSION.test(path)) {
      const n = Math.min(size, BIN_PREFIX);
      if (n > this.extensionBudget) {
        this.skipped++;
        return false;
      }
      this.extensionBudget -= n;
      return n;
    }
    // Small files where a key is plausible: sniffed by content, whatever their name.
    if (size <= SNIFF_MAX && this.prefixBudget >= SNIFF_PREFIX && !NO_SNIFF.test(path)) return this.take(Math.min(size, SNIFF_PREFIX));
    return false;
  }

  /**
   * The entrypoint's static programs (no ELF interpreter, no library): the paths their bytes name
   * are the evidence that a runtime stage FROM scratch would miss nothing they open. A few at most.
   */
  scan(path: string, prefix: Buffer, size: number): boolean {
    // (a bigger program is not read through: its split then says the paths it names are not known)
    if (this.scans >= 8 || size > SCAN_MAX || !this.hinted.has(path.slice(path.lastIndexOf('/') + 1)) || !isElf(prefix)) return false;
    const elf = readElf(prefix);
    if (!elf || elf.interp || elf.needed.length || !elf.exact) return false;
    this.scans++;
    return true;
  }

  private take(n: number, always = false): number | false {
    if (!always && n > this.prefixBudget) return false;
    this.prefixBudget -= n;
    return n;
  }
}
