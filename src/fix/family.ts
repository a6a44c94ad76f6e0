/**
 * The smaller runtime image of the same family as a build's FROM image, for the official images whose
 * variants are published side by side (`python:3.12` → `python:3.12-slim`, `eclipse-temurin:17-jdk`
 * → `eclipse-temurin:17-jre`, `golang:1.22-bookworm` → `debian:bookworm-slim`). Pure, by name only:
 * msb has not seen that image, so a split never runs FROM it; the hint is stated as an assumption
 * (the app needs nothing of the full variant: compilers, headers, the JDK's tools).
 */
export interface FamilyHint {
  /** The image reference to run FROM. */
  image: string;
  /** What the full variant has that it drops. */
  drops: string;
  /**
   * What the smaller image is: the same OS image slimmed (`slim`), the same interpreter without the
   * build packages (`interpreter`: python, node, ruby), a plain OS image for a toolchain image's
   * programs (`os`), or the JRE of a JDK image (`jre`).
   */
  kind: 'slim' | 'interpreter' | 'os' | 'jre';
}

const DEBIAN_RELEASE = /(?:^|-)(trixie|bookworm|bullseye|buster)(?:$|-)/;

/** `from` as a Dockerfile's FROM names it (ARG references already expanded, or left: then no hint). */
export function familyHint(from: string): FamilyHint | undefined {
  const ref = parseOfficial(from);
  if (!ref) return undefined;
  const { name, tag } = ref;
  // Already the small variant (a JDK on Alpine still has its JRE beside it: eclipse-temurin:17-jdk-alpine).
  if (/slim|distroless|jre/.test(tag) || (/alpine/.test(tag) && !/jdk/.test(tag))) return undefined;
  const release = DEBIAN_RELEASE.exec(tag)?.[1];
  switch (name) {
    case 'debian':
      return { image: tag === 'latest' ? 'debian:stable-slim' : `debian:${tag}-slim`, drops: "the full variant's documentation, locales and extra packages", kind: 'slim' };
    case 'python':
    case 'ruby':
    case 'node': {
      // python:3.12-bookworm → python:3.12-slim-bookworm; node's is node:20-bookworm-slim
      const drops = 'the compilers, headers and libraries of the full variant (buildpack-deps)';
      if (tag === 'latest') return { image: `${name}:slim`, drops, kind: 'interpreter' };
      const slim = release ? (name === 'node' ? tag.replace(release, `${release}-slim`) : tag.replace(`-${release}`, `-slim-${release}`)) : `${tag}-slim`;
      return { image: `${name}:${slim}`, drops, kind: 'interpreter' };
    }
    case 'golang':
    case 'rust':
      return release
        ? { image: `debian:${release}-slim`, drops: `the ${name === 'golang' ? 'Go' : 'Rust'} toolchain and the compilers of the full variant`, kind: 'os' }
        : undefined;
    case 'eclipse-temurin':
    case 'amazoncorretto':
      return /jdk/.test(tag) ? { image: `${name}:${tag.replace('jdk', 'jre')}`, drops: "the JDK's compiler and tools", kind: 'jre' } : undefined;
    case 'maven':
    case 'gradle': {
      // maven:3.9-eclipse-temurin-17, gradle:8.5-jdk17: the Temurin JRE of that Java release
      const java = /(?:eclipse-temurin-|jdk)(\d+)/.exec(tag)?.[1];
      return java ? { image: `eclipse-temurin:${java}-jre`, drops: `${name === 'maven' ? 'Maven' : 'Gradle'} and the JDK's compiler and tools`, kind: 'jre' } : undefined;
    }
    default:
      return undefined;
  }
}

/** An official Docker Hub image (`python:3.12`, `docker.io/library/python:3.12`); undefined for others or a digest pin. */
function parseOfficial(from: string): { name: string; tag: string } | undefined {
  const ref = from.trim().split(/\s+/)[0] ?? '';
  if (ref.includes('@') || ref.includes('$')) return undefined;
  const m = /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:library\/)?([a-z0-9][a-z0-9._-]*)(?::([\w][\w.-]{0,127}))?$/.exec(ref);
  if (!m) return undefined;
  return { name: m[1], tag: m[2] ?? 'latest' };
}
