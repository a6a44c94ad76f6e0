import type { LayerContents } from '../../walk/types.js';
import type { LayerOrigin } from '../origin.js';
import type { Analysis } from '../types.js';
import { findingBase } from './finding.js';
import { fixText, where } from './fix.js';
import type { PackageDb } from './packages.js';
import { CONTENT_RULES, SECRET_RULES, type SecretRule } from './rules.js';
import { resolvePath } from './tree.js';
import type { Finding } from './types.js';

/**
 * Credentials in any layer, visible or not: deleting a key in a later layer leaves it in the
 * image. Found by name (confirmed by content) or by content alone (a key under an ordinary name,
 * from the small prefix the walk kept). Reported by path and kind only; the content is read to
 * confirm, never copied out. A file an installed package owns (a test key in a toolchain's data)
 * is not a leak of the image's author: it is reported as information, low, and saves nothing.
 */
/**
 * The union of the secret rules' name patterns: nearly every path matches none, told in one test.
 * (A pattern with flags cannot join the union: then every path goes through the rules.)
 */
const ANY_SECRET_NAME = SECRET_RULES.every((r) => r.name.flags === '') ? new RegExp(SECRET_RULES.map((r) => `(?:${r.name.source})`).join('|')) : /[^]/;

export function secretFindings(
  analysis: Analysis,
  contents: LayerContents[],
  originOf: (i: number) => LayerOrigin,
  db?: PackageDb,
): Finding[] {
  const out: Finding[] = [];
  const hiddenBy = new Map<string, number>();
  for (const w of analysis.waste) hiddenBy.set(`${w.shippedIn}|${w.path}`, w.hiddenBy);
  let owned: Map<string, string> | undefined;
  for (const layer of contents) {
    for (const e of layer.entries) {
      if (e.kind !== 'file') continue;
      let rule: SecretRule | undefined = ANY_SECRET_NAME.test(e.path) ? SECRET_RULES.find((r) => r.name.test(e.path)) : undefined;
      let byContent = false;
      // Content as text only for the files a rule reads (never the package databases).
      if (rule?.confirm && !(e.content && rule.confirm(e.content.toString('latin1')))) rule = undefined;
      if (!rule && e.content && e.size <= 64 * 1024) {
        const text = e.content.toString('latin1');
        rule = CONTENT_RULES.find((r) => r.sniff!(e.content!, text));
        byContent = rule !== undefined;
      }
      if (!rule) continue;
      owned ??= packageFiles(db);
      const visible = resolvePath(analysis.root, e.path)?.node.data === e;
      const origin = originOf(layer.index);
      const pkg = owned.get(usrMerged(e.path));
      if (pkg) {
        out.push({
          ...findingBase({ id: 'secret-packaged', severity: 'low', category: 'secret', why: 'a file an installed package ships (test data, an example): not a credential of this image' }, layer.index, origin),
          bytes: 0,
          paths: [{ path: `/${e.path}`, bytes: e.size, count: 1 }],
          fix: `${where(origin, layer.index)}information only: ${pkg} ships this ${rule.id.replace(/^secret-/, '').replace(/-/g, ' ')}; nothing to rotate`,
          evidence: { basis: 'package-database', confidence: 'high', facts: [`${rule.id} by ${byContent ? 'content' : 'name and content'}`, `owned by the installed package ${pkg} (${db!.manager} database)`] },
        });
        continue;
      }
      const by = hiddenBy.get(`${layer.index}|${e.path}`);
      const gone = by !== undefined ? `layer ${by}` : 'a later layer';
      const fix = visible
        ? fixText('secret', { origin, layer: layer.index })
        : `${where(origin, layer.index)}the file is deleted by ${gone} but still ships in this layer: rebuild without it, rotate it, and pass it with \`RUN --mount=type=secret\``;
      out.push({
        ...findingBase({ ...rule, category: 'secret' }, layer.index, origin),
        // A hidden file's bytes are already counted as waste.
        bytes: visible ? e.size : 0,
        paths: [{ path: `/${e.path}`, bytes: e.size, count: 1 }],
        fix,
        evidence: {
          basis: 'content',
          confidence: 'high',
          // (the rule's wording, not the file's: no key marker or value is ever repeated here)
          facts: [byContent ? `${rule.id}: recognised by its content, whatever the file is called` : `${rule.id}: the file name and its content both match`, 'not owned by any installed package'],
        },
      });
    }
  }
  return out;
}

/** dpkg lists /lib/x/y while merged-/usr images store usr/lib/x/y: compare both the same way. */
function usrMerged(p: string): string {
  return p.replace(/^\/+/, '').replace(/^(lib|lib64|lib32|bin|sbin)\//, 'usr/$1/');
}

function packageFiles(db: PackageDb | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of db?.packages.values() ?? []) for (const f of p.files ?? []) m.set(usrMerged(f), p.name);
  return m;
}
