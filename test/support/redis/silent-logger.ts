import type { Logger } from '../../../src/application';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: object;
  readonly message: string;
}

/** A Logger that keeps what it was told, for assertions, and prints nothing. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(fields: object, message: string): void {
    this.entries.push({ level: 'debug', fields, message });
  }

  info(fields: object, message: string): void {
    this.entries.push({ level: 'info', fields, message });
  }

  warn(fields: object, message: string): void {
    this.entries.push({ level: 'warn', fields, message });
  }

  error(fields: object, message: string): void {
    this.entries.push({ level: 'error', fields, message });
  }

  messages(level?: LogEntry['level']): string[] {
    return this.entries.filter((e) => level === undefined || e.level === level).map((e) => e.message);
  }
}
