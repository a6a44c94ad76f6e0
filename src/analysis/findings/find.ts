import prettyBytes from 'pretty-bytes';
import type { LayerContents } from '../../walk/types.js';
import type { LayerOrigin } from '../origin.js';
import type { Analysis, TreeNode, WasteKind } from '../types.js';
import { fixText, instructionKind, where, type FixContext } from './fix.js';
import { readPackageDb, toolchainClosure, type Pkg } from './packages.js';
import { PathGroup } from './paths.js';
import { DEV_DEPS_RULE, firstRule, PACKAGE_RULE, SECRET_RULES, type Rule } from './rules.js';
import { resolvePath, visibleFiles, type VisibleFile } from './tree.js';
import type { Finding, FindingCategory, Severity } from './types.js';

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

  // Package evidence: which visible files belong to toolchain packages.
  const db = readPackageDb(root, contents);
  const owner = new Map<TreeNode, Pkg>();
  const toolchain = db ? toolchainClosure(db) : new Set<string>();
  for (const name of toolchain) {
    const pkg = db!.packages.get(name)!;
    for (const f of pkg.files ?? []) {
      const hit = resolvePath(root, f);
      if (hit && hit.node.data && !owner.has(hit.node)) owner.set(hit.node, pkg);
    }
  }
  const devDirs = nodeDevDependencyDirs(root);

  // Claim each visible byte once. Bytes with several names (hardlinks) are build-only only when
  // every name is: busybox installed as hardlinks has an `ar` and a `strings` that are busybox.
  const decided = new Map<object, { rule: Rule; f: VisibleFile; pkg?: Pkg } | null>();
  const layerBins = new Map<number, string[]>();
  for (const f of visibleFiles(root)) {
    const pkg = owner.get(f.node);
    const rule = pkg ? PACKAGE_RULE : devDirs.size && isUnderDevDir(f.path, devDirs) ? DEV_DEPS_RULE : firstRule(f.path);
    const prev = decided.get(f.data);
    if (!rule) {
      decided.set(f.data, null);
      // Unclaimed executables are what a COPY should have been limited to.
      if (prev === undefined && f.node.mode & 0o111 && !/\.(?:so(?:\.\d+)*|sh|py|js)$/.test(f.path)) {
        const bins = layerBins.get(f.node.layer) ?? [];
        if (bins.length < 3) bins.push(`/${f.path}`);
        layerBins.set(f.node.layer, bins);
      }
    } else if (prev === undefined) decided.set(f.data, { rule, f, pkg });
  }
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
    const origin = originOf(g.layer);
    const paths = g.paths.summarize();
    const packages = [...g.packages].sort((a, b) => b[1] - a[1]).map(([n]) => n);
    const copy = copyTotals.get(g.layer);
    const ctx: FixContext = {
      origin,
      layer: g.layer,
      finalStage,
      packages,
      topPaths: paths.map((p) => p.path),
      ...(copy ? { copy: { bytes: copy.bytes, categories: order([...copy.categories]), keep: layerBins.get(g.layer) ?? [] } } : {}),
    };
    findings.push({
      ...base(g.rule, g.layer, origin),
      bytes: g.paths.bytes,
      paths,
      fix: fixText(g.rule.fix, ctx),
      ...(packages.length ? { packages } : {}),
    });
  }

  findings.push(...secretFindings(input, originOf));
  findings.push(...wasteFindings(analysis, originOf));

  findings.sort(
    (a, b) =>
      Number(b.category === 'secret') - Number(a.category === 'secret') ||
      b.bytes - a.bytes ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      a.layer - b.layer ||
      a.rule.localeCompare(b.rule),
  );
  const bytesByCategory: Record<FindingCategory, number> = { toolchain: 0, cache: 0, source: 0, leftover: 0, secret: 0, waste: 0 };
  for (const f of findings) bytesByCategory[f.category] += f.bytes;
  const toolchainPackages = [...toolchain]
    .map((n) => db!.packages.get(n)!)
    .map((p) => ({ name: p.name, version: p.version, layer: p.layer, bytes: pkgBytes.get(p.name) ?? 0 }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  return {
    findings,
    potentialSavingsBytes: findings.reduce((s, f) => s + f.bytes, 0),
    bytesByCategory,
    toolchainPackages,
    ...(db ? { packageManager: db.manager } : {}),
  };
}

function base(rule: { id: string; category: FindingCategory; severity: Severity; why: string }, layer: number, o: LayerOrigin) {
  return {
    rule: rule.id,
    category: rule.category,
    severity: rule.severity,
    layer,
    instruction: o.instruction,
    ...(o.stage !== undefined ? { stage: o.stage } : {}),
    ...(o.line !== undefined ? { line: o.line } : {}),
    why: rule.why,
  };
}

const CATEGORY_ORDER: FindingCategory[] = ['toolchain', 'source', 'cache', 'leftover', 'secret', 'waste'];
function order(cats: FindingCategory[]): FindingCategory[] {
  return cats.sort((a, b) => CATEGORY_ORDER.indexOf(a) - CATEGORY_ORDER.indexOf(b));
}

/**
 * Credentials in any layer, visible or not: deleting a key in a later layer leaves it in the
 * image. Reported by path and kind only; the content is read to confirm, never copied out.
 */
function secretFindings(input: FindingsInput, originOf: (i: number) => LayerOrigin): Finding[] {
  const out: Finding[] = [];
  const hiddenBy = new Map<string, number>();
  for (const w of input.analysis.waste) hiddenBy.set(`${w.shippedIn}|${w.path}`, w.hiddenBy);
  for (const layer of input.contents) {
    for (const e of layer.entries) {
      if (e.kind !== 'file') continue;
      const rule = SECRET_RULES.find((r) => r.name.test(e.path));
      if (!rule) continue;
      if (rule.confirm && !(e.content && rule.confirm(e.content.toString('utf8')))) continue;
      const visible = resolvePath(input.analysis.root, e.path)?.node.data === e;
      const origin = originOf(layer.index);
      const by = hiddenBy.get(`${layer.index}|${e.path}`);
      const gone = by !== undefined ? `layer ${by}` : 'a later layer';
      const fix = visible
        ? fixText('secret', { origin, layer: layer.index })
        : `${where(origin, layer.index)}the file is deleted by ${gone} but still ships in this layer: rebuild without it, rotate it, and pass it with \`RUN --mount=type=secret\``;
      out.push({
        ...base({ ...rule, category: 'secret' }, layer.index, origin),
        // A hidden file's bytes are already counted as waste.
        bytes: visible ? e.size : 0,
        paths: [{ path: `/${e.path}`, bytes: e.size, count: 1 }],
        fix,
      });
    }
  }
  return out;
}

/** Files every package install rewrites: their waste is the price of installing in several layers. */
const PACKAGE_STATE = /^(?:var\/lib\/dpkg\/|var\/cache\/debconf\/|var\/lib\/apt\/extended_states$|var\/cache\/ldconfig\/|etc\/ld\.so\.cache$|var\/log\/|lib\/apk\/db\/|etc\/apk\/world$|var\/lib\/rpm\/)/;

const WASTE_WHY: Record<WasteKind, string> = {
  deleted: 'deleting files in a later layer hides them but every byte still ships in the earlier layer',
  overwritten: 'a later layer replaces these files; the earlier copy still ships',
  metadata: 'a later layer re-ships identical files just to change mode, owner or time',
};

/** Wasted bytes grouped by the layer that shipped them and the layer that hid them. */
function wasteFindings(analysis: Analysis, originOf: (i: number) => LayerOrigin): Finding[] {
  const groups = new Map<string, { kind: WasteKind; shipped: number; hidden: number; paths: PathGroup }>();
  for (const w of analysis.waste) {
    const key = `${w.kind}|${w.shippedIn}|${w.hiddenBy}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind: w.kind, shipped: w.shippedIn, hidden: w.hiddenBy, paths: new PathGroup() }));
    g.paths.add(w.path, w.bytes);
  }
  const out: Finding[] = [];
  for (const g of groups.values()) {
    const origin = originOf(g.shipped);
    const stateOnly = g.kind !== 'deleted' && g.paths.every(PACKAGE_STATE);
    const by = originOf(g.hidden);
    const byText = `layer ${g.hidden}${by.line !== undefined ? ` (line ${by.line})` : by.instruction ? ` (\`${by.instruction.slice(0, 50)}\`)` : ''}`;
    const n = prettyBytes(g.paths.bytes);
    const p = where(origin, g.shipped);
    const fix =
      stateOnly
        ? `${p}${byText} rewrites ${n} of package-manager state (every install does): install all packages in one RUN to pay this once`
        : origin.base !== undefined
        ? `${p}${byText} hides ${n} of the base image (${origin.base}); the bytes still ship: use a base without them`
        : g.kind === 'deleted'
          ? `${p}${byText} deletes ${n} that this layer added: remove them in the same RUN that creates them, or build in a separate stage`
          : g.kind === 'metadata'
            ? `${p}${byText} re-ships ${n} of these files only to change mode/owner: set them here (${'`COPY --chmod/--chown`'} or chmod in the same RUN)`
            : `${p}${byText} overwrites ${n} of these files: create them once, in their final form`;
    const severity: Severity = g.paths.bytes >= 10e6 ? 'high' : g.paths.bytes >= 1e6 ? 'medium' : 'low';
    out.push({
      ...base({ id: `waste-${g.kind}`, category: 'waste', severity, why: WASTE_WHY[g.kind] }, g.shipped, origin),
      bytes: g.paths.bytes,
      paths: g.paths.summarize(),
      fix,
    });
  }
  return out;
}

/** node_modules/<pkg> directories that the project's package.json or lockfile mark as dev-only. */
function nodeDevDependencyDirs(root: TreeNode): Set<string> {
  const dirs = new Set<string>();
  const scan = (node: TreeNode, path: string, depth: number) => {
    if (!node.children || depth > 12) return;
    const pj = node.children.get('package.json');
    const nm = node.children.get('node_modules');
    if (nm?.children) {
      const lock = nm.children.get('.package-lock.json')?.data?.content;
      let fromLock = false;
      if (lock) {
        try {
          const j = JSON.parse(lock.toString('utf8')) as { packages?: Record<string, { dev?: boolean }> };
          for (const [k, v] of Object.entries(j.packages ?? {})) {
            if (v?.dev && k.startsWith('node_modules/')) dirs.add(path ? `${path}/${k}` : k);
          }
          fromLock = true;
        } catch {
          /* unreadable lockfile: fall back to package.json */
        }
      }
      if (!fromLock && pj?.data?.content) {
        try {
          const j = JSON.parse(pj.data.content.toString('utf8')) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
          for (const d of Object.keys(j.devDependencies ?? {})) {
            if (j.dependencies?.[d] === undefined) dirs.add(path ? `${path}/node_modules/${d}` : `node_modules/${d}`);
          }
        } catch {
          /* not JSON: no evidence */
        }
      }
    }
    for (const [name, child] of node.children) {
      if (name === 'node_modules' || !child.children) continue;
      if (depth === 0 && /^(?:proc|sys|dev|usr|lib|lib64|bin|sbin|etc|var)$/.test(name)) continue;
      scan(child, path ? `${path}/${name}` : name, depth + 1);
    }
  };
  scan(root, '', 0);
  return dirs;
}

function isUnderDevDir(path: string, dirs: Set<string>): boolean {
  let i = path.indexOf('node_modules/');
  while (i >= 0) {
    const rest = path.slice(i + 'node_modules/'.length);
    const parts = rest.split('/');
    const name = parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    const dir = `${path.slice(0, i)}node_modules/${name}`;
    if (dirs.has(dir)) return true;
    i = path.indexOf('node_modules/', i + 1);
  }
  return false;
}
