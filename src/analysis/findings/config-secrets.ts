import type { ImageConfig } from '../../source/types.js';
import type { LayerOrigin } from '../origin.js';
import { findingBase } from './finding.js';
import { where } from './fix.js';
import type { Finding } from './types.js';

/**
 * Secrets in the image config: ENV values, labels, and build arguments baked into the history
 * (`|1 NPM_TOKEN=… /bin/sh -c …` from BuildKit and the legacy builder, `ARG`/`ENV` steps). Found by
 * the variable's name (…_TOKEN, …PASSWORD, …SECRET…, …API_KEY…) or the value's shape (AWS key ids,
 * GitHub/GitLab/npm/Slack tokens, a PEM private key). `redactConfig` returns a copy of the config
 * with every such value replaced by `<redacted>`, the structure kept, so attribution, reports and
 * the UI show the history without ever printing a value.
 */

export interface ConfigSecret {
  where: 'env' | 'label' | 'history';
  /** The variable, label or build argument name ('' when only the value's shape gave it away). */
  name: string;
  /** For history: index into config.history. */
  historyIndex?: number;
  /** How it was recognised. */
  by: 'name' | 'value';
}

export const REDACTED = '<redacted>';

const NAME_WORDS = new Set(['SECRET', 'SECRETS', 'TOKEN', 'PASSWORD', 'PASSWD', 'PASS', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS', 'PRIVATEKEY', 'AUTH']);
const NAME_PAIRS = /(?:^|_)(?:API|ACCESS|SECRET|PRIVATE|CLIENT|SIGNING|ENCRYPTION|MASTER)_?KEY(?:_|$)/;
const NOT_A_VALUE_NAME = /_(?:FILE|PATH|DIR|URL|HOST|PORT|USER|USERNAME|ID|NAME|TYPE|MODE|ENABLED|METHOD)$/;

/** Whether a variable name says it holds a secret (`NPM_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`). */
export function secretName(name: string): boolean {
  const n = name.toUpperCase();
  if (NOT_A_VALUE_NAME.test(n) || n === 'PWD') return false;
  return NAME_PAIRS.test(n) || n.split(/[_.-]/).some((w) => NAME_WORDS.has(w));
}

/** Values that are secrets by their shape, wherever they appear. */
const VALUE_SHAPES = [
  /(?:AKIA|ASIA)(?![A-Z2-7]{9}EXAMPLE)[A-Z2-7]{16}(?![A-Z0-9])/g,
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{40,}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g,
  /\bnpm_[A-Za-z0-9]{36}\b/g,
  /\bxox[abpr]-[A-Za-z0-9-]{10,}\b/g,
  /\bsk_live_[A-Za-z0-9]{16,}\b/g,
  // a key with its body (real newlines or printf's \n); the markers alone, around a command, are not one
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:\s|\\n)*(?:[A-Za-z0-9+/=]{20,}(?:\s|\\n)*)+(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?/g,
];

function plausibleValue(v: string): boolean {
  const t = v.trim().replace(/^['"]|['"]$/g, '');
  if (t.length < 6 || t === REDACTED) return false;
  if (/^\$\{?\w+\}?$/.test(t) || t.startsWith('/')) return false;
  return !/^(?:true|false|yes|no|none|null|changeme|example|required|optional)$/i.test(t);
}

export interface Scan {
  secrets: ConfigSecret[];
  /** Literal values to redact everywhere. */
  values: Set<string>;
}

function shapes(text: string, values: Set<string>): boolean {
  let hit = false;
  for (const re of VALUE_SHAPES) {
    for (const m of text.matchAll(re)) {
      values.add(m[0]);
      hit = true;
    }
  }
  return hit;
}

/** `K=V` pairs of a history step: `|2 A=1 B=2 /bin/sh -c …`, `ENV A=1 B=2`, `ARG A=1`, `ENV A 1`. */
function assignments(createdBy: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const s = createdBy.trim();
  const args = /^\|(\d+)\s+(.*)$/s.exec(s);
  if (args) {
    let rest = args[2];
    for (let i = 0; i < Number(args[1]); i++) {
      const m = /^([\w.-]+)=(\S*)\s*/.exec(rest);
      if (!m) break;
      out.push([m[1], m[2]]);
      rest = rest.slice(m[0].length);
    }
  }
  const step = /^(?:\/bin\/sh -c #\(nop\)\s+)?(ENV|ARG|LABEL)\s+(.*?)(?:\s+# buildkit)?$/s.exec(s);
  if (step) {
    const body = step[2].trim();
    const kv = [...body.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)];
    if (kv.length) for (const m of kv) out.push([m[1], m[2].replace(/^["']|["']$/g, '')]);
    else {
      const m = /^([\w.-]+)\s+(.+)$/s.exec(body);
      if (m) out.push([m[1], m[2]]);
    }
  }
  return out;
}

export function scanConfig(config: ImageConfig | undefined): Scan {
  const secrets: ConfigSecret[] = [];
  const values = new Set<string>();
  const c = config?.config;
  for (const e of c?.Env ?? []) {
    if (typeof e !== 'string') continue;
    const i = e.indexOf('=');
    const name = i < 0 ? e : e.slice(0, i);
    const value = i < 0 ? '' : e.slice(i + 1);
    if (secretName(name) && plausibleValue(value)) {
      values.add(value);
      secrets.push({ where: 'env', name, by: 'name' });
    } else if (shapes(value, values)) secrets.push({ where: 'env', name, by: 'value' });
  }
  for (const [name, value] of Object.entries(c?.Labels ?? {})) {
    if (typeof value !== 'string') continue;
    if (secretName(name.replace(/^.*[./]/, '')) && plausibleValue(value)) {
      values.add(value);
      secrets.push({ where: 'label', name, by: 'name' });
    } else if (shapes(value, values)) secrets.push({ where: 'label', name, by: 'value' });
  }
  const history = Array.isArray(config?.history) ? config!.history : [];
  history.forEach((h, historyIndex) => {
    const cb = typeof h?.created_by === 'string' ? h.created_by : '';
    if (!cb) return;
    const names = new Set<string>();
    for (const [name, value] of assignments(cb)) {
      if (secretName(name) && plausibleValue(value)) {
        values.add(value);
        if (!names.has(name)) secrets.push({ where: 'history', name, historyIndex, by: 'name' });
        names.add(name);
      }
    }
    if (names.size === 0 && shapes(cb, values)) secrets.push({ where: 'history', name: '', historyIndex, by: 'value' });
  });
  return { secrets, values };
}

/**
 * A copy of the config with every secret value replaced by `<redacted>` (ENV, labels, history
 * created_by and comments); the same object when there is nothing to hide, so images without
 * secrets are shown exactly as before.
 */
export function redactConfig(config: ImageConfig, scan: Scan = scanConfig(config)): ImageConfig {
  if (scan.values.size === 0) return config;
  const red = (s: string) => redactText(s, scan);
  const c = config.config;
  return {
    ...config,
    ...(c
      ? {
          config: {
            ...c,
            ...(Array.isArray(c.Env) ? { Env: c.Env.map((e) => (typeof e === 'string' ? redEnv(e, red) : e)) } : {}),
            ...(c.Labels ? { Labels: Object.fromEntries(Object.entries(c.Labels).map(([k, v]) => [k, typeof v === 'string' ? red(v) : v])) } : {}),
          },
        }
      : {}),
    ...(Array.isArray(config.history)
      ? {
          history: config.history.map((h) =>
            h && typeof h === 'object'
              ? {
                  ...h,
                  ...(typeof h.created_by === 'string' ? { created_by: red(h.created_by) } : {}),
                  ...(typeof h.comment === 'string' ? { comment: red(h.comment) } : {}),
                }
              : h,
          ),
        }
      : {}),
  };
}

/**
 * The same values redacted in any text (a Dockerfile given with --dockerfile), so that it still
 * lines up with the redacted history and shows no value either.
 */
export function redactText(text: string, scan: Scan): string {
  let out = text;
  for (const v of [...scan.values].sort((a, b) => b.length - a.length)) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

function redEnv(e: string, red: (s: string) => string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : `${e.slice(0, i + 1)}${red(e.slice(i + 1))}`;
}

/** Findings for the config's secrets; bytes 0 (the config is not a file), never the value. */
export function configSecretFindings(secrets: ConfigSecret[], config: ImageConfig | undefined, layers: number, originOf: (i: number) => LayerOrigin): Finding[] {
  const history = Array.isArray(config?.history) ? config!.history : [];
  const layerOfHistory = (hi: number): number => {
    let n = 0;
    for (let i = 0; i < hi && i < history.length; i++) if (history[i] && !history[i].empty_layer) n++;
    // A step that made no layer (ARG, ENV) is shown with the next layer (or the last one).
    return Math.max(0, Math.min(n, layers - 1));
  };
  return secrets.map((s) => {
    const layer = s.where === 'history' ? layerOfHistory(s.historyIndex ?? 0) : Math.max(0, layers - 1);
    const origin = originOf(layer);
    const what = s.where === 'env' ? `ENV ${s.name}` : s.where === 'label' ? `LABEL ${s.name}` : s.name ? `build argument ${s.name}` : 'a token';
    const path = s.where === 'history' ? `config history[${s.historyIndex}]${s.name ? ` ${s.name}` : ''}` : `config ${s.where === 'env' ? 'Env' : 'Labels'} ${s.name}`;
    const fix =
      s.where === 'history'
        ? `${where(origin, layer)}${what} is recorded in the image history (build args and ENV/ARG values ship with the config): pass it with \`RUN --mount=type=secret\` instead, and rotate it`
        : `${where(origin, layer)}${what} ships in the image config for anyone who pulls it: set it at run time (or \`RUN --mount=type=secret\` for the build), and rotate it`;
    return {
      ...findingBase(
        {
          id: s.where === 'history' ? 'secret-build-arg' : s.where === 'env' ? 'secret-config-env' : 'secret-config-label',
          category: 'secret',
          severity: 'high',
          why: 'values in the image config and history are readable by anyone who can pull the image',
        },
        layer,
        origin,
      ),
      bytes: 0,
      paths: [{ path, bytes: 0, count: 1 }],
      fix,
      evidence: {
        basis: s.where === 'history' ? 'history' : 'config',
        confidence: 'high',
        facts: [s.by === 'name' ? `the name ${s.name} says it holds a secret and it has a value (redacted everywhere msb shows it)` : 'the value has the shape of a known token or key (redacted everywhere msb shows it)'],
      },
    };
  });
}
