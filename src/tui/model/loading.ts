/**
 * Loading progress: per-layer read progress from inspectImage and optional download progress from a
 * registry pull, folded into one state the Loading screen draws (so a large image never looks frozen).
 */

export interface LayerProgressEvent {
  type: 'layer';
  layer: number;
  layers: number;
  bytesRead: number;
  done: boolean;
}

/** Emitted by sources that fetch blobs (registry pulls); `total` when the size is known. */
export interface DownloadProgressEvent {
  type: 'download';
  /** What is being fetched, e.g. a layer digest. */
  id: string;
  bytes: number;
  total?: number;
  done: boolean;
}

export type ProgressEvent = LayerProgressEvent | DownloadProgressEvent;

export interface LayerState {
  bytesRead: number;
  /** Stored size when known (from the manifest / archive). */
  size?: number;
  done: boolean;
}

export interface LoadingState {
  startedAt: number;
  layers: LayerState[];
  downloads: Map<string, { bytes: number; total?: number; done: boolean }>;
  /** Layers being read right now (most recent first). */
  active: number[];
}

export function initialLoading(now: number, layerSizes: Array<number | undefined>): LoadingState {
  return {
    startedAt: now,
    layers: layerSizes.map((size) => ({ bytesRead: 0, done: false, ...(size !== undefined ? { size } : {}) })),
    downloads: new Map(),
    active: [],
  };
}

/** Pure: returns a new state. */
export function reduceProgress(s: LoadingState, e: ProgressEvent): LoadingState {
  if (e.type === 'download') {
    const downloads = new Map(s.downloads);
    downloads.set(e.id, { bytes: e.bytes, done: e.done, ...(e.total !== undefined ? { total: e.total } : {}) });
    return { ...s, downloads };
  }
  const layers = s.layers.slice();
  while (layers.length < e.layers) layers.push({ bytesRead: 0, done: false });
  const prev = layers[e.layer] ?? { bytesRead: 0, done: false };
  layers[e.layer] = { ...prev, bytesRead: Math.max(prev.bytesRead, e.bytesRead), done: prev.done || e.done };
  const active = e.done ? s.active.filter((i) => i !== e.layer) : [e.layer, ...s.active.filter((i) => i !== e.layer)];
  return { ...s, layers, active };
}

export interface LoadingSummary {
  done: number;
  layers: number;
  bytesRead: number;
  /** Total stored bytes when every layer's size is known. */
  totalBytes?: number;
  /** Bytes per second since the start. */
  rate: number;
  download?: { bytes: number; total?: number; active: number };
}

export function summarize(s: LoadingState, now: number): LoadingSummary {
  const bytesRead = s.layers.reduce((t, l) => t + l.bytesRead, 0);
  const known = s.layers.every((l) => l.size !== undefined);
  const secs = Math.max(0.001, (now - s.startedAt) / 1000);
  const out: LoadingSummary = {
    done: s.layers.filter((l) => l.done).length,
    layers: s.layers.length,
    bytesRead,
    rate: bytesRead / secs,
  };
  if (known) out.totalBytes = s.layers.reduce((t, l) => t + (l.size ?? 0), 0);
  if (s.downloads.size > 0) {
    let bytes = 0;
    let total: number | undefined = 0;
    let active = 0;
    for (const d of s.downloads.values()) {
      bytes += d.bytes;
      total = d.total !== undefined && total !== undefined ? total + d.total : undefined;
      if (!d.done) active++;
    }
    out.download = { bytes, active, ...(total !== undefined ? { total } : {}) };
  }
  return out;
}
