import { readJarManifest } from './jar.js';
import type { InspectResult } from '../pipeline/types.js';

/**
 * What shows that `java -jar app.jar` needs the jar and a JRE and nothing else the build made: the
 * command is the launcher given the jar (no shell, no class path, agent or module path of other
 * files, in its arguments or in the JVM's option variables), and the jar's manifest has a Main-Class
 * and no Class-Path, so every class the JVM loads comes from the jar or the JRE. Pure.
 *
 * Undefined when the command is not `java … -jar JAR`: then nothing here speaks for the split.
 */
export interface JavaLaunch {
  /** What would make copying the jar alone unsafe; empty when nothing does. */
  problems: string[];
  evidence: string[];
}

/** Options whose value is a file or a class path the JVM reads, or a file of options (`@argfile`). */
const NAMES_FILES = /^(?:-cp|-classpath|--class-path|-p|--module-path|--upgrade-module-path|--patch-module|-javaagent:.*|-agentpath:.*|-agentlib:.*|-splash:.*|-Xbootclasspath.*|@.+)$/;
/** The variables the launcher reads options from. */
const OPTION_VARS = ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', '_JAVA_OPTIONS'];

/** `jar`: the absolute path of the jar the runtime set resolved (the one file of the build it loads). */
export function javaLaunch(result: InspectResult, jar: { path: string; content?: Buffer }): JavaLaunch | undefined {
  const argv = result.findings.runtime.command;
  const prog = argv[0]?.slice(argv[0].lastIndexOf('/') + 1);
  if (prog !== 'java') return undefined;
  const at = argv.indexOf('-jar');
  if (at < 0 || at + 1 >= argv.length) return undefined;
  const problems: string[] = [];
  const evidence: string[] = [];
  // The copy keeps the jar's own path: a command reaching it through a link would not find it.
  const workdir = (result.image.config.config?.WorkingDir ?? '/').replace(/\/+$/, '');
  const named = argv[at + 1].startsWith('/') ? argv[at + 1] : `${workdir}/${argv[at + 1]}`.replace(/^\/*/, '/');
  if (named.replace(/\/\.\//g, '/') !== jar.path) problems.push(`the command names ${argv[at + 1]}, which leads to ${jar.path} (a link or a path the copy would not keep)`);
  const options = argv.slice(1, at);
  const env = new Map((result.image.config.config?.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  for (const v of OPTION_VARS) for (const o of (env.get(v) ?? '').split(/\s+/).filter(Boolean)) options.push(o);
  const files = options.filter((o) => NAMES_FILES.test(o));
  if (files.length) problems.push(`the JVM is given files beside the jar (${files.slice(0, 3).join(' ')}): they are not copied`);

  const manifest = jar.content ? readJarManifest(jar.content) : undefined;
  if (!manifest) {
    problems.push(`the manifest of ${jar.path} could not be read from its first bytes (a Class-Path there would name more files to copy)`);
  } else if (manifest.classPath.length) {
    problems.push(`the manifest of ${jar.path} names a Class-Path (${manifest.classPath.slice(0, 3).join(' ')}${manifest.classPath.length > 3 ? ' …' : ''}): those files are loaded too and are not copied`);
  } else if (!manifest.mainClass) {
    problems.push(`the manifest of ${jar.path} names no Main-Class: \`java -jar\` would not start it`);
  } else {
    evidence.push(`${jar.path}'s manifest: Main-Class ${manifest.mainClass}, no Class-Path: \`java -jar\` loads classes from the jar and the JRE only`);
  }
  return { problems, evidence };
}
