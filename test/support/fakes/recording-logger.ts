import type { Logger } from '../../../src/application';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  readonly level: LogLevel;
  readonly fields: object;
  readonly message: string;
}

/** Keeps every entry and prints nothing, so tests stay quiet and can check what was logged. */
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

  at(level: LogLevel): readonly LogEntry[] {
    return this.entries.filter((e) => e.level === level);
  }

  messages(level?: LogLevel): string[] {
    return this.entries.filter((e) => level === undefined || e.level === level).map((e) => e.message);
  }

  matching(level: LogLevel, text: string): LogEntry[] {
    return this.entries.filter((e) => e.level === level && e.message.includes(text));
  }

  /** Everything logged at info or above, serialized, to search for things that must not be there. */
  visibleText(): string {
    return this.entries
      .filter((e) => e.level !== 'debug')
      .map((e) => `${e.message} ${JSON.stringify(e.fields, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`)
      .join('\n');
  }
}
