import type { Logger } from '../../../src/application';

export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: object;
  readonly message: string;
}

/** A Logger that keeps every record, so tests can assert what was logged (and stays quiet). */
export class RecordingLogger implements Logger {
  readonly records: LogRecord[] = [];

  debug(fields: object, message: string): void {
    this.records.push({ level: 'debug', fields, message });
  }

  info(fields: object, message: string): void {
    this.records.push({ level: 'info', fields, message });
  }

  warn(fields: object, message: string): void {
    this.records.push({ level: 'warn', fields, message });
  }

  error(fields: object, message: string): void {
    this.records.push({ level: 'error', fields, message });
  }

  matching(level: LogRecord['level'], text: string): LogRecord[] {
    return this.records.filter((r) => r.level === level && r.message.includes(text));
  }
}
