import type { LayerOrigin } from '../origin.js';
import type { FindingCategory, Severity } from './types.js';

/** The fields every finding shares: its rule and the layer (instruction, stage, line) behind it. */
export function findingBase(rule: { id: string; category: FindingCategory; severity: Severity; why: string }, layer: number, o: LayerOrigin) {
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
