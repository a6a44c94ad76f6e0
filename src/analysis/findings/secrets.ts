import type { LayerContents } from '../../walk/types.js';
import type { LayerOrigin } from '../origin.js';
import type { Analysis } from '../types.js';
import { findingBase } from './finding.js';
import { fixText, where } from './fix.js';
import { SECRET_RULES } from './rules.js';
import { resolvePath } from './tree.js';
import type { Finding } from './types.js';

/**
 * Credentials in any layer, visible or not: deleting a key in a later layer leaves it in the
 * image. Reported by path and kind only; the content is read to confirm, never copied out.
 */
export function secretFindings(analysis: Analysis, contents: LayerContents[], originOf: (i: number) => LayerOrigin): Finding[] {
  const out: Finding[] = [];
  const hiddenBy = new Map<string, number>();
  for (const w of analysis.waste) hiddenBy.set(`${w.shippedIn}|${w.path}`, w.hiddenBy);
  for (const layer of contents) {
    for (const e of layer.entries) {
      if (e.kind !== 'file') continue;
      const rule = SECRET_RULES.find((r) => r.name.test(e.path));
      if (!rule) continue;
      if (rule.confirm && !(e.content && rule.confirm(e.content.toString('utf8')))) continue;
      const visible = resolvePath(analysis.root, e.path)?.node.data === e;
      const origin = originOf(layer.index);
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
      });
    }
  }
  return out;
}
