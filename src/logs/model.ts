import { ISignal, Signal } from '@lumino/signaling';

import { ApiError } from '../api/client';
import { ILogWindow, LogFetcher, LogStream } from './api';
import { jobEnded, keepTail } from './text';

/** Characters kept in the browser; older lines are dropped (and can be loaded again). */
export const MAX_CHARS = 2_000_000;
/** Seconds a follow request waits on the server for new output. */
export const FOLLOW_WAIT = 20;
/** Milliseconds between tries while the file does not exist yet or the server failed. */
export const RETRY_MS = 2000;

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * One job's log as the view shows it: a window of the file [start, end) and, while following,
 * one outstanding request that the server answers as soon as the file grows.
 */
export class LogModel {
  constructor(
    readonly jobId: string,
    stream: LogStream,
    private readonly _fetch: LogFetcher,
    options: { follow?: boolean; maxChars?: number } = {}
  ) {
    this._stream = stream;
    this._following = options.follow ?? true;
    this._maxChars = options.maxChars ?? MAX_CHARS;
  }

  get changed(): ISignal<LogModel, void> {
    return this._changed;
  }
  get stream(): LogStream {
    return this._stream;
  }
  get text(): string {
    return this._text;
  }
  /** byte offset of the first byte shown; > 0: earlier lines can be loaded */
  get start(): number {
    return this._start;
  }
  get end(): number {
    return this._end;
  }
  get size(): number {
    return this._size;
  }
  get path(): string {
    return this._path;
  }
  get state(): string {
    return this._state;
  }
  get sameFile(): boolean {
    return this._sameFile;
  }
  get error(): string | null {
    return this._error;
  }
  get errorStatus(): number {
    return this._errorStatus;
  }
  get following(): boolean {
    return this._following;
  }
  get loading(): boolean {
    return this._loading;
  }
  /** Date.now() of the last answer from the server */
  get updatedAt(): number | null {
    return this._updatedAt;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Show the other stream (stdout or stderr) from its end. */
  async setStream(stream: LogStream): Promise<void> {
    if (stream !== this._stream) {
      this._stream = stream;
      this._generation++;
      await this.open();
    }
  }

  /** Load the end of the file (a huge file is never read whole). */
  async open(): Promise<void> {
    const generation = ++this._generation;
    this._loading = true;
    this._emit();
    try {
      const window = await this._fetch(this.jobId, { stream: this._stream });
      if (generation !== this._generation) {
        return;
      }
      this._text = '';
      this._apply(window, 'replace');
    } catch (error) {
      if (generation === this._generation) {
        this._fail(error);
      }
    } finally {
      if (generation === this._generation) {
        this._loading = false;
        this._emit();
      }
    }
    if (this._following && generation === this._generation) {
      void this._follow(generation);
    }
  }

  /** Load the page of lines before what is shown. */
  async loadEarlier(limit = 256 * 1024): Promise<void> {
    if (this._start <= 0 || this._loading) {
      return;
    }
    const generation = this._generation;
    this._loading = true;
    this._emit();
    try {
      const window = await this._fetch(this.jobId, {
        stream: this._stream,
        before: this._start,
        limit
      });
      if (generation === this._generation) {
        this._text = window.text + this._text;
        this._start = window.start;
      }
    } catch (error) {
      this._fail(error);
    } finally {
      this._loading = false;
      this._emit();
    }
  }

  /** Follow the file: new output shows as soon as the server sees it. */
  setFollowing(on: boolean): void {
    if (on === this._following) {
      return;
    }
    this._following = on;
    this._emit();
    if (on) {
      void this._follow(this._generation);
    }
  }

  dispose(): void {
    this._disposed = true;
    this._following = false;
    this._generation++;
    Signal.clearData(this);
  }

  private async _follow(generation: number): Promise<void> {
    if (this._followLoop === generation) {
      return; // already following this file
    }
    this._followLoop = generation;
    try {
      while (this._following && generation === this._generation) {
        if (this._path === '') {
          // nothing shown yet (the job has not started): try again from the end
          await sleep(RETRY_MS);
          if (this._following && generation === this._generation) {
            await this.open();
          }
          return;
        }
        try {
          const window = await this._fetch(this.jobId, {
            stream: this._stream,
            offset: this._end,
            wait: FOLLOW_WAIT
          });
          if (generation !== this._generation) {
            return;
          }
          this._apply(window, window.reset ? 'replace' : 'append');
          this._emit();
          if (
            window.text === '' &&
            window.end === window.size &&
            jobEnded(window.state)
          ) {
            // the job ended and everything it wrote is shown
            this._following = false;
            this._emit();
          }
        } catch (error) {
          if (generation !== this._generation) {
            return;
          }
          this._fail(error);
          this._emit();
          await sleep(RETRY_MS);
        }
      }
    } finally {
      if (this._followLoop === generation) {
        this._followLoop = -1;
      }
    }
  }

  private _apply(window: ILogWindow, how: 'replace' | 'append'): void {
    if (how === 'replace') {
      this._text = window.text;
      this._start = window.start;
    } else {
      this._text += window.text;
    }
    const kept = keepTail(this._text, this._maxChars);
    this._text = kept.text;
    this._start += kept.droppedBytes;
    this._end = window.end;
    this._size = window.size;
    this._path = window.path;
    this._state = window.state;
    this._sameFile = window.same_file;
    this._error = null;
    this._errorStatus = 0;
    this._updatedAt = Date.now();
  }

  private _fail(error: unknown): void {
    this._error = error instanceof Error ? error.message : String(error);
    this._errorStatus = error instanceof ApiError ? error.status : 0;
    if (this._errorStatus === 403 || this._errorStatus === 415) {
      this._following = false; // it will not become readable by waiting
    }
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private readonly _maxChars: number;
  private _changed = new Signal<LogModel, void>(this);
  private _stream: LogStream;
  private _text = '';
  private _start = 0;
  private _end = 0;
  private _size = 0;
  private _path = '';
  private _state = '';
  private _sameFile = false;
  private _error: string | null = null;
  private _errorStatus = 0;
  private _following = false;
  private _loading = false;
  private _updatedAt: number | null = null;
  private _generation = 0;
  private _followLoop = -1;
  private _disposed = false;
}
