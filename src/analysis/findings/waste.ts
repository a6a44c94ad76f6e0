import prettyBytes from 'pretty-bytes';
import type { LayerOrigin } from '../origin.js';
import type { Analysis, WasteKind } from '../types.js';
import { findingBase } from './finding.js';
import { where } from './fix.js';
import { PathGroup } from './paths.js';
import type { Finding, Severity } from './types.js';

/** Files every package install rewrites: their waste is the price of installing in several layers. */
const PACKAGE_STATE = /^(?:var\/lib\/dpkg\/|var\/cache\/debconf\/|var\/lib\/apt\/extended_states$|var\/cache\/ldconfig\/|etc\/ld\.so\.cache$|var\/log\/|lib\/apk\/db\/|etc\/apk\/world$|var\/lib\/rpm\/)/;

const WASTE_WHY: Record<WasteKind, string> = {
  deleted: 'deleting files in a later layer hides them but every byte still ships in the earlier layer',
  overwritten: 'a later layer replaces these files; the earlier copy still ships',
  metadata: 'a later layer re-ships identical files just to change mode, owner or time',
};

/** Wasted bytes grouped by the layer that shipped them and the layer that hid them. */
export function wasteFindings(analysis: Analysis, originOf: (i: number) => LayerOrigin, multiStage = false): Finding[] {
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
          ? `${p}${byText} deletes ${n} that this layer added: remove them in the same RUN that creates them${multiStage ? '' : ', or build in a separate stage'}`
          : g.kind === 'metadata'
            ? `${p}${byText} re-ships ${n} of these files only to change mode/owner: set them here (${'`COPY --chmod/--chown`'} or chmod in the same RUN)`
            : `${p}${byText} overwrites ${n} of these files: create them once, in their final form`;
    const severity: Severity = g.paths.bytes >= 10e6 ? 'high' : g.paths.bytes >= 1e6 ? 'medium' : 'low';
    out.push({
      ...findingBase({ id: `waste-${g.kind}`, category: 'waste', severity, why: WASTE_WHY[g.kind] }, g.shipped, origin),
      bytes: g.paths.bytes,
      paths: g.paths.summarize(),
      fix,
      evidence: {
        basis: 'layers',
        confidence: 'high',
        facts: [`the merge: layer ${g.hidden} ${g.kind === 'deleted' ? 'deletes' : g.kind === 'metadata' ? 'changes only the metadata of' : 'overwrites'} these files from layer ${g.shipped}; their bytes still ship in layer ${g.shipped}`],
      },
    });
  }
  return out;
}
