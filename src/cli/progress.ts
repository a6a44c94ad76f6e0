import type { InspectProgress } from '../pipeline/types.js';
import type { DownloadProgress } from '../source/registry/image.js';
import { safeText } from '../safe-text.js';

/**
 * Where one run's progress goes: by default one overwritten stderr status line (terminals only);
 * the terminal UI takes it over while it is open, since a stderr line would draw over its screen.
 */
export class Progress {
  private last = 0;
  private downloadListener?: (p: DownloadProgress) => void;

  constructor(private readonly out?: NodeJS.WritableStream) {
    if (out) this.downloadListener = (p) => this.line(`pulling layer ${p.layer + 1}/${p.layers} ${mb(p.bytes)} / ${mb(p.total)} ${mb(p.bytesPerSecond)}/s`, p.done);
  }

  download(p: DownloadProgress): void {
    this.downloadListener?.(p);
  }

  /** Routes download progress to `fn` until the returned function is called. */
  takeDownloads(fn: (p: DownloadProgress) => void): () => void {
    const prev = this.downloadListener;
    this.downloadListener = fn;
    return () => {
      this.downloadListener = prev;
    };
  }

  /**
   * Walk progress for a streamed source (a daemon's save stream), whose layers are read before
   * anything can be shown; other sources read fast enough to need no line.
   */
  walk(reference: string): ((p: InspectProgress) => void) | undefined {
    if (!this.out) return undefined;
    return (p) => {
      if (!p.done && p.layers === 0) this.line(`reading ${safeText(reference)} from the daemon: layer ${p.layer + 1}, ${mb(p.bytesRead)}`, false);
    };
  }

  /** Clears the status line. */
  clear(): void {
    if (this.last) this.out?.write('\r\x1b[2K');
    this.last = 0;
  }

  /** One overwritten status line, at most ten updates a second; `done` clears it. */
  private line(text: string, done: boolean): void {
    const now = Date.now();
    if (!done && now - this.last < 100) return;
    this.last = now;
    this.out!.write(`\r\x1b[2K${done ? '' : text}`);
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
