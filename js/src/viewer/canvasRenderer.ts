import { colorize } from './colorize';
import type { Mix, PlaneStack, Rect, Renderer, RgbaTile } from './renderer';

interface ICached {
  signature: string;
  canvas: HTMLCanvasElement;
}

/** The fallback where WebGL2 is unavailable: the same colour math on the CPU. */
export class CanvasRenderer implements Renderer {
  readonly kind = 'canvas2d' as const;
  private _ctx: CanvasRenderingContext2D;
  private _cache = new WeakMap<PlaneStack, ICached>();
  private _rgba = new WeakMap<RgbaTile, HTMLCanvasElement>();

  constructor(private readonly _canvas: HTMLCanvasElement) {
    const ctx = _canvas.getContext('2d');
    if (!ctx) {
      throw new Error('this browser can draw neither WebGL2 nor Canvas 2D');
    }
    this._ctx = ctx;
  }

  resize(width: number, height: number): void {
    this._canvas.width = width;
    this._canvas.height = height;
  }

  clear(): void {
    this._ctx.fillStyle = '#000';
    this._ctx.fillRect(0, 0, this._canvas.width, this._canvas.height);
  }

  draw(tile: PlaneStack, rect: Rect, mix: Mix): void {
    let cached = this._cache.get(tile);
    if (!cached || cached.signature !== mix.signature) {
      const canvas = cached?.canvas ?? document.createElement('canvas');
      canvas.width = tile.width;
      canvas.height = tile.height;
      const ctx = canvas.getContext('2d');
      if (!ctx) {
        return;
      }
      const pixels = colorize(tile, mix);
      ctx.putImageData(new ImageData(pixels as unknown as Uint8ClampedArray<ArrayBuffer>, tile.width, tile.height), 0, 0);
      cached = { signature: mix.signature, canvas };
      this._cache.set(tile, cached);
    }
    this._ctx.imageSmoothingEnabled = false;
    this._ctx.drawImage(cached.canvas, rect.x, rect.y, rect.width, rect.height);
  }

  drawRgba(tile: RgbaTile, rect: Rect, opacity: number): void {
    let canvas = this._rgba.get(tile);
    if (!canvas) {
      canvas = document.createElement('canvas');
      canvas.width = tile.width;
      canvas.height = tile.height;
      canvas.getContext('2d')?.putImageData(new ImageData(tile.pixels as unknown as Uint8ClampedArray<ArrayBuffer>, tile.width, tile.height), 0, 0);
      this._rgba.set(tile, canvas);
    }
    this._ctx.imageSmoothingEnabled = false;
    this._ctx.globalAlpha = opacity;
    this._ctx.drawImage(canvas, rect.x, rect.y, rect.width, rect.height);
    this._ctx.globalAlpha = 1;
  }

  release(tile: PlaneStack | RgbaTile): void {
    if ('pixels' in tile) {
      this._rgba.delete(tile);
    } else {
      this._cache.delete(tile);
    }
  }

  dispose(): void {
    this._cache = new WeakMap();
    this._rgba = new WeakMap();
  }
}
