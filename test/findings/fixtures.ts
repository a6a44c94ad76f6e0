import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The findings fixtures are real images built by buildah from the host's real toolchain (too big to
 * commit). They are built once into a cache dir keyed by the hash of test/fixtures/findings, so
 * reruns and parallel test files share one build. A lock dir keeps two processes from building at once.
 */

/** The shared scripts every set's build.sh sources or runs: a change to them is a change to every set. */
const SHARED = ['debian-buildah.sh', 'debian-minbase.sh', 'dockerfiles/debian-minbase.Dockerfile'];

function hashDir(dir: string): string {
  const h = createHash('sha256');
  const fixtures = join(dir, '..');
  for (const f of SHARED) if (existsSync(join(fixtures, f))) h.update(`s:${f}\n`).update(readFileSync(join(fixtures, f)));
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p), h.update(`d:${name}\n`);
      else h.update(`f:${name}\n`).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 16);
}

export interface Planted {
  /** Toolchain package files msb must claim (gcc's runtime libraries excluded). */
  toolchainPackageBytes: number;
  /** libgomp, libitm, libatomic, libquadmath: runtime libraries only libgcc-12-dev needs (build-only beside /src/hello). */
  gccRuntimeLibBytes: number;
  aptListsBytes: number;
  aptCacheBytes: number;
  srcBytes: number;
  idEd25519Bytes: number;
  docsBytes: number;
  serverKeyBytes: number;
}

export async function findingsFixtures(): Promise<{ dir: string; planted: Planted; image: (name: string) => string }> {
  const { dir, image } = await builtFixtures('findings', 'planted.json');
  return { dir, planted: JSON.parse(readFileSync(join(dir, 'planted.json'), 'utf8')) as Planted, image };
}

/** What apt and the filesystem inside the single-stage Java image say is build-only (build.sh). */
export interface JavaTruth {
  buildPackages: string[];
  buildPackageBytes: number;
  aptListsBytes: number;
  m2Bytes: number;
  buildTreeBytes: number;
  appJarBytes: number;
  packagedKeyBytes: number;
  plantedKeyBytes: number;
}

/** The Java fixtures (test/fixtures/findings-java): debootstrap base, apt-get inside RUN; minutes to build. */
export async function javaFixtures(): Promise<{ dir: string; truth: JavaTruth; image: (name: string) => string }> {
  const { dir, image } = await builtFixtures('findings-java', 'truth.json');
  return { dir, truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as JavaTruth, image };
}

/** What apt and the filesystem inside the single-stage Rust image say is build-only (findings-rust/truth.sh). */
export interface RustTruth {
  /** `apt-get -s purge --autoremove cargo rustc librust-libc-dev`, with the binary's libraries' owners kept. */
  buildPackages: string[];
  /** Regular-file bytes of those packages' files, each inode once. */
  buildPackageBytes: number;
  /** Packages owning the libraries `ldd` says the binary loads. */
  runtimePackages: string[];
  aptListsBytes: number;
  /** $CARGO_HOME (/root/.cargo): what cargo cached while building. */
  cargoHomeBytes: number;
  /** $CARGO_HOME/git: the git dependency's bare clone and checkout. */
  cargoGitBytes: number;
  /** target/ without the binary the CMD runs (any of its hardlinked names), each inode once. */
  targetBytes: number;
  /** Names the binary's inode has under target/ (cargo hardlinks release/app and deps/app-HASH). */
  binaryLinks: number;
  /** /src outside target/: Cargo.toml, Cargo.lock, .cargo/config.toml, src/, the git dependency's repo. */
  srcBytes: number;
  binaryBytes: number;
}

/** The Rust fixtures (test/fixtures/findings-rust): debootstrap base, Debian's cargo in a RUN; minutes to build. */
export async function rustFixtures(): Promise<{ dir: string; truth: RustTruth; image: (name: string) => string }> {
  const { dir, image } = await builtFixtures('findings-rust', 'truth.json');
  return { dir, truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as RustTruth, image };
}

/**
 * Builds test/fixtures/<set> once into $MSB_FIXTURE_CACHE/<hash of the dir> (its build.sh writes
 * `doneFile` last), sharing the build across test files through a lock dir.
 */
export async function builtFixtures(set: string, doneFile: string): Promise<{ dir: string; image: (name: string) => string }> {
  const src = new URL(`../fixtures/${set}/`, import.meta.url).pathname;
  const base = join(process.env.MSB_FIXTURE_CACHE ?? join(tmpdir(), 'msb-findings-fixtures'));
  const dir = join(base, hashDir(src));
  const done = join(dir, doneFile);
  mkdirSync(base, { recursive: true });
  const lock = `${dir}.lock`;
  while (!existsSync(done)) {
    try {
      mkdirSync(lock);
    } catch {
      // Someone else is building; a lock older than 30 minutes is from a killed run.
      if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
      await sleep(1000);
      continue;
    }
    try {
      const tmp = `${dir}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      try {
        execFileSync('bash', [join(src, 'build.sh'), tmp], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MSB_FIXTURE_CACHE: base } });
      } catch (e) {
        const err = String((e as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-5).join(' | ');
        throw new Error(`building the ${set} fixtures failed: ${err}`);
      }
      writeFileSync(join(tmp, SET_FILE), set);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      // Builds of older versions of this set are ~200 MB to 2 GB each: drop those unused for an hour
      // (another checkout may still use one). Only this set's: other sets' builds are in use.
      for (const old of readdirSync(base)) {
        const p = join(base, old);
        if (p === dir || !/^[0-9a-f]{16}$/.test(old) || Date.now() - statSync(p).mtimeMs <= 3600_000) continue;
        if (readIfExists(join(p, SET_FILE)) === set) rmSync(p, { recursive: true, force: true });
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  // A use: the age that decides when an older version may go counts from the last one.
  const now = new Date();
  utimesSync(dir, now, now);
  if (!existsSync(join(dir, SET_FILE))) writeFileSync(join(dir, SET_FILE), set); // a build from before the name was kept
  return { dir, image: (name) => join(dir, name) };
}

/** Names the fixture set a cache dir holds, so that only older versions of the same set are pruned. */
const SET_FILE = '.fixture-set';

function readIfExists(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** What apt and the filesystem inside the Ruby image say is build-only (findings-ruby/truth.sh). */
export interface RubyTruth {
  /** `apt-get -s purge --autoremove ruby-dev gcc make libc6-dev`, with ruby's and the extension's libraries' owners kept. */
  buildPackages: string[];
  /** Regular-file bytes of those packages' files, each inode once. */
  buildPackageBytes: number;
  /** Packages owning the libraries `ldd` says ruby and the loaded extension need. */
  runtimePackages: string[];
  /** The extension .so `require 'greeter'` loads (no leading slash). */
  loadedSo: string;
  loadedSoBytes: number;
  /** Gem.dir, no leading slash (var/lib/gems/3.1.0). */
  gemDir: string;
  aptListsBytes: number;
  /** $GEM_HOME/cache: the installed gem's .gem archive. */
  gemCacheBytes: number;
  /** /app/vendor/cache: the bundler-style copy of the .gem. */
  vendorCacheBytes: number;
  /** The installed gem's ext/ dir: objects, intermediate .so, Makefile, the C source, extconf.rb. */
  extTreeBytes: number;
  extTreeFiles: string[];
  /** gem_make.out and mkmf.log beside the built extension. */
  extLogBytes: number;
  /** Everything in the gem's extension dir (the .so and gem.build_complete stay). */
  extensionDirFiles: string[];
  /** /src: the gem's sources, the built .gem, app.rb. */
  srcBytes: number;
}

/** The Ruby fixture (test/fixtures/findings-ruby): debootstrap base, Debian's ruby, a native gem; minutes to build. */
export async function rubyFixtures(): Promise<{ dir: string; truth: RubyTruth; image: (name: string) => string }> {
  const { dir, image } = await builtFixtures('findings-ruby', 'truth.json');
  return { dir, truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as RubyTruth, image };
}

/** What the filesystem inside the PHP image says composer left (findings-php/truth.sh). */
export interface PhpTruth {
  /** `composer config --global cache-dir`, no leading slash. */
  cacheDir: string;
  cacheFiles: string[];
  cacheBytes: number;
  /** /app/vendor: the installed dependency and composer's autoloader (the app). */
  vendorBytes: number;
}

/** The PHP fixture (test/fixtures/findings-php): debootstrap base, Debian's php-cli and composer. */
export async function phpFixtures(): Promise<{ dir: string; truth: PhpTruth; image: (name: string) => string }> {
  const { dir, image } = await builtFixtures('findings-php', 'truth.json');
  return { dir, truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as PhpTruth, image };
}
