import path from 'node:path';
import { safeJson, safeLines } from '../safe-text.js';
import type { InspectResult } from '../pipeline/types.js';
import type { Io } from './io.js';
import { interactive } from './io.js';
import { Progress } from './progress.js';
import { layerCacheOf, sourceResolver, type SourceFlags } from './source-flags.js';

/** `msb inspect`: resolve the image, run the pipeline once, then render: the UI, or every requested report, and the gate. */

export interface InspectFlags extends SourceFlags {
  json?: boolean;
  maxSize?: string;
  maxWaste?: string;
  minEfficiency?: string;
  failOn?: string;
  maxSavings?: string;
  text?: boolean;
  platform?: string;
  verify?: boolean;
  dockerfile?: string;
  target?: string;
  buildArg?: string[];
  files?: boolean;
  format?: string[];
  output?: string[];
  ci?: boolean;
  ciConfig?: string;
  config?: string;
  lowestEfficiency?: string;
  highestWastedBytes?: string;
  highestUserWastedPercent?: string;
  baseline?: string;
  maxGrowth?: string;
  maxNewFindings?: string;
}

const VERSION = '0.1.0';

/** Returns the exit code: 0, or 1 when a gate check failed. */
export async function inspectCommand(ref: string, flags: InspectFlags, io: Io): Promise<number> {
  const { parsePlatform } = await import('../source/platform.js');
  const gate = await import('../report/gate.js');
  const { planOutputs, writeAtomic } = await import('./output.js');
  const limits = {
    maxSize: flags.maxSize !== undefined ? gate.parseSize(flags.maxSize, '--max-size') : undefined,
    maxWaste: flags.maxWaste !== undefined ? gate.parseWasteLimit(flags.maxWaste) : undefined,
    minEfficiency: flags.minEfficiency !== undefined ? gate.parseEfficiency(flags.minEfficiency) : undefined,
    failOn: flags.failOn !== undefined ? gate.parseFailOn(flags.failOn) : undefined,
    maxSavings: flags.maxSavings !== undefined ? gate.parseSize(flags.maxSavings, '--max-savings') : undefined,
  };
  const formats = [...(flags.format ?? [])];
  if (flags.json) formats.unshift('json');
  else if (flags.text && !formats.length) formats.unshift('text');
  const explicitFormat = formats.length > 0 || (flags.output ?? []).length > 0;
  const targets = planOutputs(formats, flags.output ?? [], io.cwd);
  // CI mode: --ci, any CI rule source, or CI=true (as dive reads it) when no report format was asked for.
  const ciEnv = /^(true|1)$/i.test(io.env.CI ?? '');
  const ciMode = !!(flags.ci || flags.ciConfig || flags.config || flags.baseline || flags.lowestEfficiency || flags.highestWastedBytes
    || flags.highestUserWastedPercent || flags.maxGrowth || flags.maxNewFindings || (ciEnv && !explicitFormat && !flags.text));
  const ci = ciMode ? await loadPolicy(flags, io, limits) : undefined;

  const progress = new Progress(io.stderr.isTTY ? io.stderr : undefined);
  const resolveImage = await sourceResolver(flags, io, progress);
  const { inspect } = await import('../pipeline/inspect.js');
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const image = await resolveImage(ref, { platform });
  const options = { verify: flags.verify, dockerfile: flags.dockerfile, target: flags.target, buildArgs: flags.buildArg, layerCache: await layerCacheOf(flags, io) };
  try {
    if (!explicitFormat && !ciMode && !gate.hasLimits(limits) && interactive(io)) {
      const { runTui } = await import('../tui/index.js');
      await runTui({
        image,
        inspect: (o) => inspect(image, { ...options, ...o }),
        ...(flags.dockerfile ? { fix: (r) => fixView(r, flags.dockerfile!, flags.buildArg, io) } : {}),
        // Registry layers download while they are walked: show it in the loading screen.
        subscribeDownloads: (emit) =>
          progress.takeDownloads((p) => emit({ type: 'download', id: p.digest, bytes: p.bytes, total: p.total, done: p.done })),
      });
      return 0;
    }
    let result: InspectResult;
    try {
      result = await inspect(image, { ...options, onProgress: progress.walk(ref) });
    } finally {
      progress.clear();
    }
    const baseline = ci && flags.baseline ? await loadBaseline(flags.baseline, flags, io, progress) : undefined;
    // The CI report's module is loaded only when CI rules apply.
    const verdict = ci ? (await import('../report/ci.js')).evaluateCi(result, ci.policy, baseline) : undefined;
    const legacy = !ci && gate.hasLimits(limits) ? gate.evaluateGate(result, limits) : undefined;
    const dockerfileUri = flags.dockerfile ? path.relative(io.cwd, path.resolve(io.cwd, flags.dockerfile)).split(path.sep).join('/') : undefined;
    const ignore = ci?.policy.ignore;

    const render = async (format: string): Promise<string> => {
      switch (format) {
        case 'json': {
          const { buildJsonReport } = await import('../report/json.js');
          const report = buildJsonReport(result, { files: flags.files });
          if (legacy) report.gate = legacy;
          if (verdict) report.ci = verdict;
          return `${safeJson(JSON.stringify(report, null, 2))}\n`;
        }
        case 'sarif': {
          const { buildSarif } = await import('../report/sarif.js');
          return `${safeJson(JSON.stringify(buildSarif(result, { dockerfileUri, ignore, version: VERSION }), null, 2))}\n`;
        }
        case 'codeclimate': {
          const { buildCodeClimate } = await import('../report/codeclimate.js');
          return `${safeJson(JSON.stringify(buildCodeClimate(result, { dockerfileUri, ignore }), null, 2))}\n`;
        }
        case 'html': {
          const { renderHtml } = await import('../report/html/page.js');
          return renderHtml(result);
        }
        case 'markdown': {
          const { renderMarkdown } = await import('../report/markdown.js');
          return safeLines(renderMarkdown(result, { verdict, ignore, dockerfileUri }));
        }
        default: {
          const { renderText } = await import('../report/text.js');
          return safeLines(renderText(result, io.stdout.columns || 100)) + (legacy ? safeLines(`\n${gate.renderGate(legacy)}`) : '');
        }
      }
    };

    let stdoutUsed = false;
    for (const t of targets) {
      const text = await render(t.format);
      if (t.file) writeAtomic(t.file, t.shown!, text);
      else {
        io.stdout.write(text);
        stdoutUsed = t.format !== 'text';
      }
    }
    // No report asked for: the text report (or, in CI mode, only the rule table).
    if (!targets.length && !verdict) io.stdout.write(await render('text'));
    if (verdict) {
      const { renderCi } = await import('../report/ci.js');
      const table = safeLines(`${ci!.sources.length ? `msb CI rules from ${ci!.sources.join(', ')}\n` : ''}${renderCi(verdict)}`);
      (stdoutUsed ? io.stderr : io.stdout).write(targets.some((t) => !t.file && t.format === 'text') ? `\n${table}` : table);
    }
    const pass = verdict ? verdict.pass : legacy ? legacy.pass : true;
    return pass ? 0 : 1;
  } finally {
    await image.close();
  }
}

/** The CI policy: .dive-ci (or --ci-config), .msb.yml (or --config), the flags; dive's defaults when nothing is configured. */
async function loadPolicy(flags: InspectFlags, io: Io, limits: import('../report/gate.js').GateLimits) {
  const cfg = await import('./ci-config.js');
  const { DIVE_DEFAULTS } = await import('../report/ci.js');
  type Policy = import('../report/ci.js').CiPolicy;
  const sources: string[] = [];
  let policy: Policy = {};
  const diveFile = flags.ciConfig ?? cfg.findConfig(io.cwd, ['.dive-ci', '.dive-ci.yml', '.dive-ci.yaml']);
  if (diveFile) {
    const loaded = cfg.loadDiveConfig(path.resolve(io.cwd, diveFile), diveFile);
    policy.dive = { ...loaded.policy.dive };
    sources.push(diveFile);
  }
  const msbFile = flags.config ?? cfg.findConfig(io.cwd, ['.msb.yml', '.msb.yaml']);
  if (msbFile) {
    const loaded = cfg.loadMsbConfig(path.resolve(io.cwd, msbFile), msbFile);
    policy = { ...loaded.policy, ...(policy.dive ? { dive: policy.dive } : {}) };
    sources.push(msbFile);
  }
  const diveFlags = {
    ...(flags.lowestEfficiency !== undefined ? { lowestEfficiency: cfg.diveFlag('lowestEfficiency', flags.lowestEfficiency) } : {}),
    ...(flags.highestWastedBytes !== undefined ? { highestWastedBytes: cfg.diveFlag('highestWastedBytes', flags.highestWastedBytes) } : {}),
    ...(flags.highestUserWastedPercent !== undefined ? { highestUserWastedPercent: cfg.diveFlag('highestUserWastedPercent', flags.highestUserWastedPercent) } : {}),
  };
  if (Object.keys(diveFlags).length) policy.dive = { ...policy.dive, ...diveFlags };
  // The existing gate flags are msb rules too.
  if (limits.maxSize !== undefined) policy.maxSize = limits.maxSize;
  if (limits.maxWaste !== undefined) policy.maxWaste = limits.maxWaste;
  if (limits.minEfficiency !== undefined) policy.minEfficiency = limits.minEfficiency;
  if (limits.maxSavings !== undefined) policy.maxSavings = { bytes: limits.maxSavings };
  if (limits.failOn !== undefined) policy.failOn = limits.failOn;
  if (flags.maxGrowth !== undefined) policy.maxGrowth = cfg.parseLimitFlag(flags.maxGrowth, '--max-growth');
  if (flags.maxNewFindings !== undefined) {
    const n = Number(flags.maxNewFindings);
    if (!Number.isInteger(n) || n < 0) throw new (await import('../errors.js')).MsbError(`invalid --max-new-findings "${flags.maxNewFindings}": expected a whole number ≥ 0`);
    policy.maxNewFindings = n;
  }
  const anyRule = policy.dive || Object.keys(policy).some((k) => k !== 'ignore' && k !== 'dive');
  if (!anyRule) {
    policy.dive = { ...DIVE_DEFAULTS };
    sources.push("dive's defaults");
  }
  return { policy, sources };
}

/** A baseline: a saved JSON report (no image needed), or an image inspected now. */
async function loadBaseline(ref: string, flags: InspectFlags, io: Io, progress: Progress) {
  const { readFileSync, statSync } = await import('node:fs');
  const { MsbError } = await import('../errors.js');
  const file = path.resolve(io.cwd, ref);
  const st = statSync(file, { throwIfNoEntry: false });
  if (st?.isFile() && /\.json$/i.test(ref)) {
    let report: { schemaVersion?: unknown; image?: { reference?: string }; summary?: Record<string, number>; findings?: Array<{ rule: string; paths: Array<{ path: string }> }> };
    try {
      report = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new MsbError(`${ref}: not a JSON report (${(e as Error).message.split('\n')[0]})`);
    }
    const s = report?.summary;
    if (report?.schemaVersion !== 1 || !s || typeof s.totalBytes !== 'number' || typeof s.wastedBytes !== 'number' || !Array.isArray(report.findings)) {
      throw new MsbError(`${ref}: not an msb JSON report (schemaVersion 1 with summary and findings)`);
    }
    return {
      reference: ref,
      summary: { totalBytes: s.totalBytes, wastedBytes: s.wastedBytes, potentialSavingsBytes: s.potentialSavingsBytes ?? 0 },
      findings: report.findings.map((f) => ({ rule: String(f.rule), paths: (f.paths ?? []).map((p) => ({ path: String(p.path), bytes: 0, count: 1 })) })),
    };
  }
  const { parsePlatform } = await import('../source/platform.js');
  const { inspect } = await import('../pipeline/inspect.js');
  const resolveImage = await sourceResolver(flags, io, progress);
  const image = await resolveImage(ref, { platform: flags.platform ? parsePlatform(flags.platform) : undefined });
  try {
    const r = await inspect(image, { verify: flags.verify });
    return { reference: ref, summary: r.summary, findings: r.findings.findings };
  } finally {
    await image.close();
  }
}

/** `msb fix`'s patch for the terminal UI's Fix view (the same plan `msb fix` prints); a Dockerfile that does not align says why. */
async function fixView(result: import('../pipeline/types.js').InspectResult, dockerfile: string, buildArg: string[] | undefined, io: Io) {
  const { readAndPlan } = await import('./fix.js');
  const { renderFixDiff } = await import('../report/fix.js');
  let f;
  try {
    f = await readAndPlan(result, dockerfile, { buildArg }, io);
  } catch (e) {
    const { MsbError } = await import('../errors.js');
    if (!(e instanceof MsbError)) throw e;
    return { lines: [], bytes: 0, changes: 0, unavailable: e.message };
  }
  const { text, plan, ignore, bytes, rel, ignoreRel, existing } = f;
  return {
    lines: renderFixDiff(rel, text, plan, { file: ignoreRel, existing, plan: ignore }).trimEnd().split('\n'),
    bytes,
    changes: plan.hunks.flatMap((h) => h.rewrites).length + ignore.lines.length,
  };
}
