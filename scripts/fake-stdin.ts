import { EventEmitter } from 'node:events';

/**
 * An in-memory terminal stdin for rendering the real ink app outside a terminal (screenshots,
 * latency bench): ink reads keys through `readable` + `read()` and toggles raw mode.
 */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(d: string): void {
    this.data = d;
    this.emit('readable');
  }
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}
