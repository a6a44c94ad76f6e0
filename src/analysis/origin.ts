import type { ImageConfig } from '../source/types.js';
import { layerHistory } from './history.js';
import { instructionOf } from './instruction.js';

/**
 * Where a layer came from: the contract between attribution (which fills it from history, a
 * Dockerfile or BuildKit provenance) and its consumers (findings, reports, the TUI).
 */
export interface LayerOrigin {
  index: number;
  /** The Dockerfile instruction as a person wrote it, e.g. "RUN apt-get install -y gcc"; '' if unknown. */
  instruction: string;
  /** Build stage name (or index as a string when unnamed), when known. */
  stage?: string;
  /** 1-based first and last Dockerfile line of the instruction, when known. */
  line?: number;
  endLine?: number;
  /** For `COPY --from=<stage|image>`: the source stage or image and the source path. */
  fromStage?: string;
  fromPath?: string;
  /** Set for layers that came from the FROM image: its reference (or "base image" if unknown). */
  base?: string;
}

/** Image-only origins: history text, no stages or lines. Attribution refines these. */
export function historyOrigins(config: ImageConfig, layerCount: number): LayerOrigin[] {
  return layerHistory(config, layerCount).map((h, index) => ({ index, instruction: instructionOf(h?.created_by) }));
}
