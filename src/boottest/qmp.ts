import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';

/**
 * A minimal QMP client (QEMU Machine Protocol over a unix socket). Boot loaders in BIOS mode
 * print only to the VGA text screen, so boot-test reads that screen through the monitor.
 */
export class QmpClient {
  private buffer = '';
  private waiters: { resolve: (message: Record<string, unknown>) => void; reject: (error: Error) => void }[] =
    [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => {
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('QMP socket closed'));
    });
  }

  static async connect(path: string, attempts = 50): Promise<QmpClient> {
    for (let i = 0; ; i++) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path, () => resolve(s));
          s.once('error', reject);
        });
        const client = new QmpClient(socket);
        await client.next(); // greeting
        await client.execute('qmp_capabilities');
        return client;
      } catch (error) {
        if (i >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    this.socket.write(`${JSON.stringify({ execute: command, arguments: args })}\n`);
    for (;;) {
      const message = await this.next();
      if ('return' in message) return message.return;
      if ('error' in message) throw new Error(`QMP ${command}: ${JSON.stringify(message.error)}`);
    }
  }

  /** The 80x25 VGA text screen as lines (each cell is a character byte and an attribute byte). */
  async readVgaText(): Promise<string[]> {
    const dump = String(
      await this.execute('human-monitor-command', { 'command-line': 'xp /2000xh 0xb8000' }),
    );
    const chars: string[] = [];
    for (const match of dump.matchAll(/0x([0-9a-f]{4})/g)) {
      const code = parseInt(match[1] ?? '20', 16) & 0xff;
      chars.push(code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : ' ');
    }
    const lines: string[] = [];
    for (let row = 0; row < 25; row++)
      lines.push(
        chars
          .slice(row * 80, row * 80 + 80)
          .join('')
          .trimEnd(),
      );
    return lines;
  }

  /** A hash of the picture on the screen, text or graphics (QEMU writes it to FILE as a PPM). */
  async readScreenHash(file: string): Promise<string> {
    await this.execute('screendump', { filename: file });
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  }

  /** Stops the guest's CPUs (QMP `stop`): what is on the screen stays, whatever the guest was about to do. */
  async pause(): Promise<void> {
    await this.execute('stop');
  }

  /** The screen as a PNG file (QEMU 7.1+ writes PNG when asked; a VGA device exists even with -display none). */
  async saveScreenPng(file: string): Promise<void> {
    await this.execute('screendump', { filename: file, format: 'png' });
  }

  /** Bytes the VM has read from all its drives: a boot loader loading a kernel reads, a menu does not. */
  async readDiskReadBytes(): Promise<number> {
    const drives = (await this.execute('query-blockstats')) as { stats?: { rd_bytes?: number } }[];
    return drives.reduce((sum, drive) => sum + (drive.stats?.rd_bytes ?? 0), 0);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (!line) continue;
      const message = JSON.parse(line) as Record<string, unknown>;
      if ('event' in message) continue;
      this.waiters.shift()?.resolve(message);
    }
  }

  private next(): Promise<Record<string, unknown>> {
    if (this.socket.destroyed) return Promise.reject(new Error('QMP socket closed'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
}
