import { CanvasRenderer } from './canvasRenderer';
import { GlRenderer } from './glRenderer';
import type { Renderer } from './renderer';

/** Where a user (or a test) may fix the renderer for every view of this origin. */
export const RENDERER_SETTING = 'zarrview.renderer';

export type RendererPreference = 'auto' | 'webgl2' | 'canvas2d';

function preference(): RendererPreference {
  try {
    const value = globalThis.localStorage?.getItem(RENDERER_SETTING);
    if (value === 'webgl2' || value === 'canvas2d') {
      return value;
    }
  } catch {
    // Storage refused (a sandboxed frame): the automatic choice.
  }
  return 'auto';
}

// What browsers name their WebGL on the CPU: Chromium's SwiftShader, Mesa's llvmpipe and
// softpipe, Windows' Basic Render Driver.
const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render/i;

let software: boolean | null = null;

/** Whether this browser's WebGL runs on the CPU; asked once, of a canvas of its own. */
export function webglIsSoftware(): boolean {
  if (software === null) {
    software = false;
    try {
      const gl = document.createElement('canvas').getContext('webgl2');
      if (gl) {
        const info = gl.getExtension('WEBGL_debug_renderer_info');
        const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
        software = SOFTWARE.test(name);
        gl.getExtension('WEBGL_lose_context')?.loseContext();
      }
    } catch {
      software = false;
    }
  }
  return software;
}

/**
 * The renderer for a view's canvas. WebGL2 where the browser has a GPU to run it on. Where
 * WebGL is emulated on the CPU (no GPU, a remote desktop, a GPU the browser refuses), Canvas 2D:
 * there the page is composited in software, and every frame of a WebGL canvas is read back
 * from the emulator, which costs several times the drawing itself (docs/viewer.md has the
 * figures), while a 2-D canvas is a bitmap the compositor takes as it is. The browser says
 * which case it is in by the name of its WebGL renderer. `localStorage['zarrview.renderer']`
 * (`webgl2` or `canvas2d`) overrides the choice.
 */
export function createRenderer(canvas: HTMLCanvasElement): Renderer {
  const wanted = preference();
  if (wanted === 'webgl2' || (wanted === 'auto' && !webglIsSoftware())) {
    const gl = GlRenderer.create(canvas);
    if (gl) {
      return gl;
    }
  }
  return new CanvasRenderer(canvas);
}
