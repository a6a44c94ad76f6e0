import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Key } from 'ink';
import { NO_KEY } from '../../src/tui/input.js';
import { type Action, type Pane, type Screen, BINDINGS, PANES, TREE_PANE, actionOf, bindingsOf, helpRows, helpText, hints } from '../../src/tui/keys.js';
import { cycled } from '../../src/tui/model/view.js';
import { initialDiff, reduceDiff } from '../../src/tui/model/diff-view.js';

/** The key table both screens read: shared keys mean the same everywhere, and help is drawn from it. */

const SCREENS: Screen[] = ['inspect', 'diff'];
const press = (input: string, key: Partial<Key> = {}): [string, Key] => [input, { ...NO_KEY, ...key }];

/** Keys as ink reports them, by name. */
const SAMPLES: Record<string, [string, Key]> = {
  Tab: press('', { tab: true }),
  'Shift-Tab': press('', { tab: true, shift: true }),
  q: press('q'),
  'Ctrl-C': press('c', { ctrl: true }),
  '?': press('?'),
  '/': press('/'),
  s: press('s'),
  z: press('z'),
  '↑': press('', { upArrow: true }),
  '↓': press('', { downArrow: true }),
  k: press('k'),
  j: press('j'),
  PgUp: press('', { pageUp: true }),
  PgDn: press('', { pageDown: true }),
  Home: press('', { home: true }),
  End: press('', { end: true }),
  g: press('g'),
  G: press('G'),
  Esc: press('', { escape: true }),
  Enter: press('\r', { return: true }),
};

/** Keys both screens have: they must ask for the same action in every pane. */
const SHARED = ['Tab', 'Shift-Tab', 'q', '?', '/', 's', 'z', '↑', '↓', 'k', 'j', 'PgUp', 'PgDn', 'Home', 'End', 'g', 'G', 'Esc', 'Enter'];

test('both screens resolve every shared key to the same action, in every pane and under an overlay', () => {
  for (const name of SHARED) {
    const [input, key] = SAMPLES[name];
    const seen = new Set<Action | undefined>();
    for (const screen of SCREENS) {
      for (const pane of [...PANES[screen], undefined] as Array<Pane | undefined>) {
        // Enter acts in the diff screen's Layers and Changes panes (each its own help row) and in every inspect pane.
        seen.add(actionOf(screen, pane, input, key));
      }
    }
    assert.equal(seen.size, 1, `${name}: ${[...seen].join(', ')}`);
    assert.notEqual([...seen][0], undefined, `${name} does nothing`);
  }
  assert.equal(actionOf('diff', 'changes', ...SAMPLES['Shift-Tab']), 'prevPane');
  assert.equal(actionOf('inspect', 'files', ...SAMPLES.Tab), 'nextPane');
  assert.equal(actionOf('inspect', 'layers', ...SAMPLES['↑']), 'up');
  assert.equal(actionOf('diff', 'layers', ...SAMPLES['/']), 'filter');
  assert.equal(actionOf('diff', 'layers', ...SAMPLES.q), 'quit');
  assert.equal(actionOf('inspect', 'findings', ...SAMPLES['Ctrl-C']), 'quit');
});

test('tree keys act only in the tree pane, named after it in help', () => {
  for (const screen of SCREENS) {
    const tree = TREE_PANE[screen];
    assert.equal(actionOf(screen, tree, '', { ...NO_KEY, leftArrow: true }), 'left');
    assert.equal(actionOf(screen, 'layers', '', { ...NO_KEY, leftArrow: true }), undefined);
    const fold = helpRows(screen).find(([k]) => k === '← →  h l');
    assert.match(fold?.[1] ?? '', screen === 'inspect' ? /^Files:/ : /^Changes:/);
  }
});

test('no key asks for two actions in the same pane', () => {
  for (const screen of SCREENS) {
    for (const pane of PANES[screen]) {
      const byKey = new Map<string, Action>();
      for (const b of bindingsOf(screen)) {
        const only = b.panes?.[screen];
        if (only && !only.includes(pane)) continue;
        for (const [k, a] of b.keys) {
          for (const [name, [input, key]] of Object.entries(SAMPLES)) {
            // Ctrl-C also reads as "c"; it is resolved first, before any pane (alwaysAction).
            if (name === 'Ctrl-C' || !k.match(input, key)) continue;
            const before = byKey.get(name);
            assert.ok(before === undefined || before === a, `${screen}/${pane}: ${name} is both ${before} and ${a}`);
            byKey.set(name, a);
          }
        }
      }
    }
  }
});

test("each screen's help is its bindings, every labelled key shown in its row", () => {
  for (const screen of SCREENS) {
    const rows = helpRows(screen);
    const listed = bindingsOf(screen).filter((b) => helpText(b, screen) !== undefined);
    assert.deepEqual(rows, listed.map((b) => [b.label, helpText(b, screen)]));
    for (const b of listed) for (const [k] of b.keys) if (k.label) assert.ok(b.label.includes(k.label), `${screen}: ${k.label} missing from '${b.label}'`);
    // Only Esc is left out of the rows; the texts of / (and diff's Enter) say what it does.
    const hidden = bindingsOf(screen).filter((b) => helpText(b, screen) === undefined).map((b) => b.id);
    assert.deepEqual(hidden, ['cancel']);
    assert.ok(rows.some(([, t]) => /Esc/.test(t)));
  }
  // Shared rows read the same on both screens.
  const shared = BINDINGS.filter((b) => b.screens.length === 2 && typeof b.help === 'string');
  assert.deepEqual(shared.map((b) => b.id), ['pane', 'move', 'page', 'help', 'quit']);
  assert.deepEqual(helpRows('inspect')[0], helpRows('diff')[0]);
});

test('the bottom hint line names keys from the table, the same lead on every pane', () => {
  for (const screen of SCREENS) {
    for (const pane of PANES[screen]) {
      const h = hints(screen, pane);
      assert.deepEqual(h.lead, ['? keys', 'q quit', 'Tab pane']);
      for (const hint of h.pane) {
        const key = hint.split(' ')[0];
        const b = bindingsOf(screen).find((x) => x.hint === key);
        assert.ok(b, `${screen}/${pane}: ${hint}`);
        const only = b.panes?.[screen];
        assert.ok(!only || only.includes(pane), `${screen}/${pane}: ${hint} does not act here`);
      }
    }
  }
});

test('Shift-Tab cycles panes backwards, Tab forwards, on both screens', () => {
  assert.equal(cycled('inspect', 'layers', -1), 'findings');
  assert.equal(cycled('inspect', 'layers', 1), 'files');
  assert.equal(cycled('diff', 'changes', -1), 'layers');
  const view = { layerRows: [], layerPage: 1, changes: { tree: { name: '', path: '', size: 0, children: [] }, rows: [], page: 1 } };
  assert.equal(reduceDiff({ ...initialDiff(), focus: 'layers' }, 'prevPane', view as never).focus, 'changes');
});
