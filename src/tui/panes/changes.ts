import type { DiffData } from '../data.js';
import { bytes, padStart } from '../../report/format.js';
import { signedBytes } from '../../report/diff.js';
import { type Line, type ListWindow, framed, seg, shown } from '../lines.js';
import type { DiffNode, Side } from '../model/diff.js';
import type { DiffState } from '../model/diff-view.js';
import { MARK_CHAR, type Row, rowLabel } from '../model/files.js';
import { type Theme, changeColour } from '../theme.js';
import { LETTER, instructionOf } from './diff-layers.js';

/** The diff screen's right side: the changed paths as a tree, and the selected path's details. */

/** A signed byte change, green when it grows and red when it shrinks. */
export function delta(n: number, theme: Theme): Line {
  return [seg(signedBytes(n), { bold: n !== 0, color: n > 0 ? theme.added : n < 0 ? theme.removed : undefined })];
}

type TreeState = Pick<DiffState, 'sort' | 'query' | 'editing' | 'only'>;

export function changesPane(data: DiffData, s: TreeState, rows: Row[], w: ListWindow, width: number, height: number, theme: Theme): Line[] {
  const { diff } = data;
  const status = [s.sort === 'name' ? 'by path' : 'by size of change', s.query || s.editing ? `/${s.query}` : '', s.only ? `${LETTER[s.only.side]}${s.only.index} only` : ''].filter(Boolean).join(' · ');
  const onlyShared = s.only !== null && s.only.index < diff.sharedLayers;
  const body: Line[] = [[seg(`${diff.items.length.toLocaleString('en-US')} changed · ${status}`, { color: theme.dim })]];
  if (rows.length === 0) {
    const why = !diff.items.length ? 'the final filesystems are identical' : onlyShared ? 'a shared layer: nothing it wrote differs' : 'nothing matches';
    body.push([seg(why, { color: theme.dim })]);
  }
  for (const i of shown(w, rows.length)) {
    const r = rows[i];
    const n = r.node as DiffNode;
    const sel = i === w.cursor;
    const st = { inverse: sel && w.focused, bold: sel };
    const dir = n.children !== undefined;
    const colour = changeColour(theme, n.mark);
    body.push([
      seg(n.mark ? MARK_CHAR[n.mark] : ' ', { ...st, color: colour, bold: true }),
      seg(` ${padStart(signedBytes(n.delta), 9)} `, st),
      seg(rowLabel(r), { ...st, color: colour ?? (dir ? theme.dir : undefined), bold: st.bold || dir }),
    ]);
  }
  return framed(`Changes ${rows.length ? `${w.cursor + 1}/${rows.length}` : ''}`.trim(), body, width, height, w.focused, theme.accent);
}

const WHAT = { added: 'added', removed: 'removed', modified: 'content changed', metadata: 'metadata only' };

/** The selected path: its change and delta, then its size and the layer that wrote it in A and in B. */
export function changeDetails(data: DiffData, node: DiffNode | undefined, width: number, height: number, theme: Theme): Line[] {
  const body: Line[] = [];
  if (!node) return framed('Details', body, width, height, false, theme.accent);
  const it = node.item;
  body.push([
    seg(node.mark ? `${MARK_CHAR[node.mark]} ` : '', { color: changeColour(theme, node.mark), bold: true }),
    seg(`${it ? WHAT[node.mark!] : 'directory'} · `, { bold: true }),
    ...delta(node.delta, theme),
    seg(node.children ? ` · +${node.counts.added} -${node.counts.removed} ~${node.counts.modified} m${node.counts.metadata} below` : ''),
  ]);
  const sideLine = (s: Side, size: number, layer: number | undefined, present: boolean): Line => [
    seg(`${LETTER[s]} `, { bold: true }),
    seg(present ? padStart(bytes(size), 9) : padStart('—', 9)),
    ...(layer !== undefined ? [seg(`  L${layer} `, { bold: true }), seg(instructionOf(data[s], layer), { color: theme.dim })] : [seg(present ? '' : '  not in this image', { color: theme.dim })]),
  ];
  if (node.children) {
    body.push(sideLine('before', node.before, undefined, true), sideLine('after', node.after, undefined, true));
  } else if (it) {
    body.push(sideLine('before', it.beforeBytes, it.beforeLayer, it.change !== 'added'), sideLine('after', it.afterBytes, it.afterLayer, it.change !== 'removed'));
  }
  return framed(`/${node.path}${node.children ? '/' : ''}`, body, width, height, false, theme.accent);
}
