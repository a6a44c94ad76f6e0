import type { ImageConfig } from '../../source/types.js';
import type { FileEntry, LayerContents } from '../../walk/types.js';
import type { LayerOrigin } from '../origin.js';
import type { Analysis, TreeNode } from '../types.js';
import { configSecretFindings, type ConfigSecret } from './config-secrets.js';
import { isUnderDevDir, nodeDevDependencyDirs } from './dev-deps.js';
import { findingBase } from './finding.js';
import { extensionLibraries, type ExtensionLibraries } from './extensions.js';
import { fixText, instructionKind, type FixContext } from './fix.js';
import { isToolchainPackage, readPackageDb, toolchainClosure, type Pkg } from './packages.js';
import { PathGroup } from './paths.js';
import { aptRecommends, type AptRecommends } from './recommends.js';
import { DEV_DEPS_RULE, firstRule, PACKAGE_RULE, type Rule } from './rules.js';
import { secretFindings } from './secrets.js';
import { hardeningFindings } from './hardening.js';
import { hygieneFindings } from './hygiene.js';
import { resolveRuntime, type Runtime, type RuntimeSet } from './runtime.js';
import { forEachVisibleFile, resolvePath, type VisibleFile } from './tree.js';
import { reinstallIndex, UnclaimedFiles, type Unclaimed } from './unclaimed.js';
import type { Finding, FindingCategory, FindingEvidence, Severity } from './types.js';
import { wasteFindings } from './waste.js';
import { byText } from '../../text-order.js';

/**
 * Findings: every visible byte that only the build needed (toolchains, caches, sources, leftovers),
 * every credential any layer ships, and every wasted byte, grouped by the layer (instruction, stage)
 * that put it there, each with the fix. Pure: reads the merge result, the captured contents and the
 * origins. A file is claimed by one rule only and hidden bytes only count as waste, so the sum of
 * finding bytes is what the fixes would save, with no byte counted twice.
 */

export interface FindingsInput {
  analysis: Analysis;
  contents: LayerContents[];
  /** One per layer; historyOrigins() at least. Richer attribution adds stage, line and COPY --from. */
  origins: LayerOrigin[];
  /** The image config: its entrypoint/cmd decide what the image runs (the runtime set). */
  config?: ImageConfig;
  /** Secrets scanConfig() found in the config before it was redacted (values never kept). */
  configSecrets?: ConfigSecret[];
}

export interface ToolchainPackage {
  name: string;
  version: string;
  /** Layer whose package database first lists it. */
  layer: number;
  /** Bytes of its files visible in the final image. */
  bytes: number;
}

export interface FindingsResult {
  findings: Finding[];
  /** Σ findings.bytes: wasted bytes plus build-only bytes, none counted twice. */
  potentialSavingsBytes: number;
  bytesByCategory: Record<FindingCategory, number>;
  /** Toolchain packages (and the libraries only they need) from the package database. */
  toolchainPackages: ToolchainPackage[];
  packageManager?: 'dpkg' | 'apk';
  /** What the entrypoint needs (files, packages, how each was found): never called removable. */
  runtime: RuntimeSet;
  /**
   * Per apt install run without --no-install-recommends: the packages only Recommends brought in
   * and their bytes (the evidence `msb fix` adds the flag on). Not findings: not in findings[].
   */
  aptRecommends: AptRecommends[];
  /**
   * Files the build's own layers leave that no rule claims and the entrypoint does not load (not
   * package bookkeeping): what a build/runtime split would drop without evidence. Absent when the
   * FROM image's layers are not known.
   */
  unclaimed?: Unclaimed;
  /**
   * Per language library tree holding native extensions (site-packages, node_modules, gems): the
   * packages of the system libraries they load. Absent when the image has none.
   */
  extensions?: ExtensionLibraries[];
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

interface Group {
  rule: Rule;
  layer: number;
  paths: PathGroup;
  packages: Map<string, number>;
}

export function findFindings(input: FindingsInput): FindingsResult {
  const { analysis, contents } = input;
  const root = analysis.root;
  const originOf = (i: number): LayerOrigin => input.origins[i] ?? { index: i, instruction: '' };
  const finalStage = input.origins.length ? input.origins[input.origins.length - 1]?.stage : undefined;
  const buildStages = stagesBesides(input.origins, finalStage);

  // Package evidence: which visible files belong to toolchain packages.
  const db = readPackageDb(root, contents);
  // What the image runs, and what that needs: kept whatever its name.
  const rt = resolveRuntime(input.config, root, db);
  const kept = new Set<TreeNode>(rt.nodes);
  // The first layer the build made (the FROM image's are below it); 0 or -1: not known.
  const firstOwn = input.origins.findIndex((o) => o.base === undefined);
  // The runtime packages the build's own layers installed, and their bytes (RuntimeSet.build).
  const build = { packages: [] as string[], bytes: 0 };
  const counted = new Set<object>();
  for (const name of rt.pkgSet) {
    const pkg = db?.packages.get(name);
    const own = firstOwn > 0 && (pkg?.layer ?? -1) >= firstOwn;
    if (own) build.packages.push(name);
    for (const f of pkg?.files ?? []) {
      const hit = resolvePath(root, f);
      const data = hit?.node.data;
      if (!hit || !data) continue;
      kept.add(hit.node);
      if (own && !counted.has(data)) {
        counted.add(data);
        build.bytes += data.size;
      }
    }
  }
  const owner = new Map<TreeNode, Pkg>();
  const toolchain = db ? toolchainClosure(db, rt.pkgSet, rt.native) : new Set<string>();
  for (const name of toolchain) {
    const pkg = db!.packages.get(name)!;
    for (const f of pkg.files ?? []) {
      const hit = resolvePath(root, f);
      if (hit && hit.node.data && !owner.has(hit.node)) owner.set(hit.node, pkg);
    }
  }
  const devDirs = nodeDevDependencyDirs(root);
  const extensions = extensionLibraries(root, db, contents, rt.owners);

  // Claim each visible byte once. Bytes with several names (hardlinks) are build-only only when
  // every name is: busybox installed as hardlinks has an `ar` and a `strings` that are busybox.
  // Only bytes a hardlink also shows can be met twice: the others' "unclaimed" is not kept (a
  // map of every file, 197k entries on a big image, was most of the findings' garbage).
  const linked = hardlinked(root);
  const decided = new Map<object, { rule: Rule; f: VisibleFile; pkg?: Pkg } | null>();
  let keptBytes = 0;
  const layerBins = new Map<number, string[]>();
  const unclaimed = firstOwn > 0 ? new UnclaimedFiles(firstOwn) : undefined;
  const reinstall = unclaimed && reinstallIndex(root, db, rt.pkgSet, firstOwn, input.origins.map((o) => o.instruction));
  forEachVisibleFile(root, (f) => {
    const pkg = owner.get(f.node);
    let rule = pkg ? PACKAGE_RULE : devDirs.size && isUnderDevDir(f.path, devDirs) ? DEV_DEPS_RULE : firstRule(f.path);
    // The runtime's own files are never build-only (its docs and caches still are).
    if (rule && (rule.category === 'toolchain' || rule.category === 'source') && kept.has(f.node)) {
      keptBytes += f.data.size;
      rule = undefined;
    }
    const prev = decided.get(f.data);
    if (!rule) {
      if (linked.has(f.data)) decided.set(f.data, null);
      if (prev === undefined && !rt.nodes.has(f.node) && unclaimed) {
        const r = f.node.layer >= firstOwn ? reinstall!(f.node) : undefined;
        unclaimed.add(f.path, f.node, f.data.size, r?.kind, r?.pkg);
      }
      // Unclaimed executables are what a COPY should have been limited to.
      if (prev === undefined && f.node.mode & 0o111 && !/\.(?:so(?:\.\d+)*|sh|py|js)$/.test(f.path)) {
        const bins = layerBins.get(f.node.layer) ?? [];
        if (bins.length < 3) bins.push(`/${f.path}`);
        layerBins.set(f.node.layer, bins);
      }
    } else if (prev === undefined) decided.set(f.data, { rule, f, pkg });
  });
  const groups = new Map<string, Group>();
  const pkgBytes = new Map<string, number>();
  for (const d of decided.values()) {
    if (!d) continue;
    const { rule, f, pkg } = d;
    const bytes = f.data.size;
    const key = `${rule.id}|${f.node.layer}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { rule, layer: f.node.layer, paths: new PathGroup(), packages: new Map() }));
    g.paths.add(f.path, bytes);
    if (pkg) {
      g.packages.set(pkg.name, (g.packages.get(pkg.name) ?? 0) + bytes);
      pkgBytes.set(pkg.name, (pkgBytes.get(pkg.name) ?? 0) + bytes);
    }
  }
  decided.clear();

  // What each COPY/ADD layer brings in total, so every finding of that layer carries one fix.
  const copyTotals = new Map<number, { bytes: number; categories: Set<FindingCategory> }>();
  for (const g of groups.values()) {
    const k = instructionKind(originOf(g.layer).instruction);
    if (k !== 'COPY' && k !== 'ADD') continue;
    const t = copyTotals.get(g.layer) ?? { bytes: 0, categories: new Set() };
    t.bytes += g.paths.bytes;
    t.categories.add(g.rule.category);
    copyTotals.set(g.layer, t);
  }

  const findings: Finding[] = [];
  for (const g of groups.values()) {
    // Empty files (apt's archives/lock) save nothing: not a finding.
    if (g.paths.bytes === 0) continue;
    const origin = originOf(g.layer);
    const paths = g.paths.summarize();
    const packages = [...g.packages].sort((a, b) => b[1] - a[1]).map(([n]) => n);
    const copy = copyTotals.get(g.layer);
    const ctx: FixContext = {
      origin,
      layer: g.layer,
      finalStage,
      ...(buildStages ? { buildStages } : {}),
      packages,
      topPaths: paths.map((p) => p.path),
      ...(copy ? { copy: { bytes: copy.bytes, categories: order([...copy.categories]), keep: layerBins.get(g.layer) ?? [] } } : {}),
    };
    findings.push({
      ...findingBase(g.rule, g.layer, origin),
      bytes: g.paths.bytes,
      paths,
      fix: fixText(g.rule.fix, ctx),
      ...(packages.length ? { packages } : {}),
      evidence: groupEvidence(g, packages, db, rt, keptBytes),
    });
  }

  findings.push(...secretFindings(analysis, contents, originOf, db));
  findings.push(...configSecretFindings(input.configSecrets ?? [], input.config, analysis.layers.length, originOf));
  findings.push(...wasteFindings(analysis, originOf, buildStages !== undefined));
  // How the image runs is only known from its config.
  if (input.config) findings.push(...hardeningFindings(input.config, root, rt, analysis.layers.length, originOf));
  findings.push(...hygieneFindings(analysis.layers, originOf));

  findings.sort(
    (a, b) =>
      Number(b.category === 'secret') - Number(a.category === 'secret') ||
      b.bytes - a.bytes ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      a.layer - b.layer ||
      byText(a.rule, b.rule),
  );
  const bytesByCategory: Record<FindingCategory, number> = { toolchain: 0, cache: 0, source: 0, leftover: 0, secret: 0, waste: 0, hardening: 0, hygiene: 0 };
  for (const f of findings) bytesByCategory[f.category] += f.bytes;
  const toolchainPackages = [...toolchain]
    .map((n) => db!.packages.get(n)!)
    .map((p) => ({ name: p.name, version: p.version, layer: p.layer, bytes: pkgBytes.get(p.name) ?? 0 }))
    .sort((a, b) => b.bytes - a.bytes || byText(a.name, b.name));
  return {
    findings,
    potentialSavingsBytes: findings.reduce((s, f) => s + f.bytes, 0),
    bytesByCategory,
    toolchainPackages,
    ...(db ? { packageManager: db.manager } : {}),
    aptRecommends: db ? aptRecommends(root, db, input.origins.map((o) => o.instruction), rt.pkgSet) : [],
    ...(unclaimed ? { unclaimed: unclaimed.result() } : {}),
    ...(extensions.length ? { extensions } : {}),
    runtime: {
      resolved: rt.resolved,
      command: rt.command,
      files: rt.files,
      packages: rt.packages,
      evidence: rt.evidence,
      native: rt.native,
      ...(rt.note ? { note: rt.note } : {}),
      ...(build.packages.length ? { build: { packages: build.packages.sort(), bytes: build.bytes, ...(rt.programPackage && build.packages.includes(rt.programPackage) ? { program: rt.programPackage } : {}) } } : {}),
    },
  };
}

/** The evidence of a (rule, layer) group: the packages or the rule, and what the runtime set kept. */
/** The entries hardlink nodes show (walked without paths: only nodes are looked at). */
function hardlinked(root: TreeNode): Set<FileEntry> {
  const out = new Set<FileEntry>();
  const stack: TreeNode[] = [root];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.kind === 'hardlink' && n.data) out.add(n.data);
    if (n.children) for (const c of n.children.values()) stack.push(c);
  }
  return out;
}

function groupEvidence(g: Group, packages: string[], db: ReturnType<typeof readPackageDb>, rt: Runtime, keptBytes: number): FindingEvidence {
  const facts: string[] = [];
  if (g.rule.id === PACKAGE_RULE.id && db) {
    for (const n of packages.slice(0, 6)) {
      const p = db.packages.get(n);
      facts.push(`${n}${p?.version ? ` ${p.version}` : ''}: ${isBuildTool(n) ? 'a build tool' : 'only needed by build tools'}${p && p.layer >= 0 ? `, installed in layer ${p.layer}` : ''} (${db.manager} database)`);
    }
    if (rt.native) facts.push('the image runs one native program whose libraries all resolved: libraries only -dev packages depend on are not loaded, and go with them');
  } else if (g.rule.id === DEV_DEPS_RULE.id) {
    facts.push('package.json / node_modules/.package-lock.json mark these packages as devDependencies');
  } else {
    facts.push(`path rule ${g.rule.id}: ${g.rule.matches}`);
  }
  const build = g.rule.category === 'toolchain' || g.rule.category === 'source';
  if (build && rt.resolved) {
    facts.push(`outside the runtime set of \`${rt.command.join(' ').slice(0, 80)}\` (${rt.files.length} files, ${rt.packages.length} packages kept: the entrypoint needs them${keptBytes ? `; ${keptBytes} bytes matching build rules kept` : ''})`);
  } else if (build && rt.note) {
    facts.push(rt.note);
  }
  const basis = g.rule.id === PACKAGE_RULE.id || g.rule.id === DEV_DEPS_RULE.id ? 'package-database' : 'path';
  return { basis, confidence: build && !rt.resolved && g.rule.category === 'toolchain' ? 'low' : 'high', facts };
}

const CATEGORY_ORDER: FindingCategory[] = ['toolchain', 'source', 'cache', 'leftover', 'secret', 'waste', 'hardening', 'hygiene'];
function order(cats: FindingCategory[]): FindingCategory[] {
  return cats.sort((a, b) => CATEGORY_ORDER.indexOf(a) - CATEGORY_ORDER.indexOf(b));
}

/**
 * The build stages of a multi-stage image, when the origins show one (a COPY --from another stage,
 * or layers of several stages): their names, those that bytes were copied from first.
 */
function stagesBesides(origins: LayerOrigin[], finalStage: string | undefined): string[] | undefined {
  const from = origins.filter((o) => o.fromStage !== undefined && !o.fromImage).map((o) => o.fromStage!);
  const other = origins.map((o) => o.stage).filter((s): s is string => s !== undefined && s !== finalStage);
  const all = [...new Set([...from, ...other])];
  return all.length ? all : undefined;
}

function isBuildTool(name: string): boolean {
  return isToolchainPackage(name);
}
