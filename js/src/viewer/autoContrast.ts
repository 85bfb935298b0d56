import type { Transport } from '../protocol/answer';
import { ProtocolError } from '../protocol/protocolError';
import { contrastLimits, type IStatsChannel } from './contrast';
import type { ViewModel } from './viewModel';
import type { IDatasetInfo } from './viewState';

/** What automatic contrast needs of the viewer. */
export interface IContrastHost {
  readonly model: ViewModel;
  readonly transport: Transport;
  info(): IDatasetInfo | null;
  /** Channels are mixed in one picture (each has its own limits). */
  composite(): boolean;
  /** The selection of the plane on screen at `level`, in the protocol's syntax. */
  planeSelection(level: number): string;
  /** False while the viewer fills in defaults: the plane is not known yet. */
  ready(): boolean;
  showHistogram(counts: number[], range: [number, number], contrast: [number, number] | null): void;
  showError(error: unknown): void;
  render(): void;
}

/** After a slider move or a change of the pixels, how long the histogram waits to be measured. */
const HISTOGRAM_DELAY_MS = 400;

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/**
 * Contrast limits from the data: `stats` of the plane on screen at the coarsest level (cheap at
 * any size), its 0.1 and 99.9 percentiles for limits that are missing, and its histogram for
 * the control panel.
 */
export class AutoContrast {
  private _pending = false;
  private _timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly _host: IContrastHost) {}

  /** Measures the histogram again soon (the plane changed), once however often asked. */
  schedule(): void {
    if (this._timer) {
      clearTimeout(this._timer);
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.run(false, true);
    }, HISTOGRAM_DELAY_MS);
  }

  /** Sets the limits that are missing (all of them when `force`) and draws the histogram. */
  async run(force: boolean, histogramOnly = false): Promise<void> {
    const host = this._host;
    const info = host.info();
    if (!info || !host.ready() || (this._pending && !force)) {
      return;
    }
    const { model } = host;
    const composite = host.composite();
    const needs = composite ? model.get('channels').some(c => c.contrast === null) : model.get('contrast') === null;
    if (!force && !needs && !histogramOnly) {
      return;
    }
    this._pending = true;
    try {
      const level = info.levels.length - 1;
      const answer = await host.transport.request('stats', { level: String(level), sel: host.planeSelection(level) });
      if (answer.status !== 200) {
        throw ProtocolError.fromAnswer(answer);
      }
      const stats = answer.json as { channels: IStatsChannel[] };
      if (composite) {
        const channels = model.get('channels').map((c, i) =>
          force || (c.contrast === null && !histogramOnly) ? { ...c, contrast: contrastLimits(stats.channels[i]) } : c
        );
        if (!histogramOnly || force) {
          model.set('channels', channels);
          model.save_changes();
        }
      } else if (force || (needs && !histogramOnly)) {
        model.set('contrast', contrastLimits(stats.channels[0]));
        model.save_changes();
      }
      const shown = stats.channels[0];
      if (shown && shown.histogram.min !== null && shown.histogram.max !== null) {
        const contrast = composite ? (model.get('channels')[0]?.contrast ?? null) : model.get('contrast');
        host.showHistogram(shown.histogram.counts, [shown.histogram.min, shown.histogram.max], contrast);
      }
    } catch (error) {
      if (!isAbort(error)) {
        host.showError(error);
      }
    } finally {
      this._pending = false;
      host.render();
    }
  }

  dispose(): void {
    if (this._timer) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }
}
