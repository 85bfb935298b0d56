import type { Camera } from './camera';

/** What pointer and keyboard input acts on. */
export interface IInputHost {
  readonly canvas: HTMLCanvasElement;
  readonly root: HTMLElement;
  readonly camera: Camera;
  /** The user moved the camera: draw, and tell the model (throttled). */
  moved(): void;
  /** The pointer is over screen point (row, col) in CSS pixels, or has left. */
  hover(point: [number, number] | null): void;
  /** A key pressed in the viewer; true when the viewer took it. */
  key(event: KeyboardEvent): boolean;
  /** A press and release without a drag at screen point (row, col) in CSS pixels. */
  click?(point: [number, number]): void;
}

/** How far a press may move, in CSS pixels, and still be a click rather than a drag. */
const CLICK_SLOP = 4;

/** Drag pans, the wheel zooms about the pointer, keys go to the host; returns what unbinds it. */
export function bindInput(host: IInputHost): () => void {
  const { canvas, root, camera } = host;
  let drag: { x: number; y: number; center: [number, number]; moved: boolean } | null = null;
  const local = (event: MouseEvent): [number, number] => {
    const rect = canvas.getBoundingClientRect();
    return [event.clientY - rect.top, event.clientX - rect.left];
  };
  const listeners: [EventTarget, string, EventListener, AddEventListenerOptions?][] = [
    [
      canvas,
      'pointerdown',
      (event: Event) => {
        const e = event as PointerEvent;
        drag = { x: e.clientX, y: e.clientY, center: [...camera.center] as [number, number], moved: false };
        canvas.setPointerCapture(e.pointerId);
        root.focus({ preventScroll: true });
      }
    ],
    [
      canvas,
      'pointermove',
      (event: Event) => {
        const e = event as PointerEvent;
        if (drag) {
          drag.moved ||= Math.hypot(e.clientX - drag.x, e.clientY - drag.y) > CLICK_SLOP;
          camera.center = [drag.center[0] - (e.clientY - drag.y) / camera.zoom, drag.center[1] - (e.clientX - drag.x) / camera.zoom];
          host.moved();
        }
        host.hover(local(e));
      }
    ],
    [
      canvas,
      'pointerup',
      (event: Event) => {
        if (drag && !drag.moved) {
          host.click?.(local(event as PointerEvent));
        }
        drag = null;
      }
    ],
    [canvas, 'pointercancel', () => (drag = null)],
    [canvas, 'pointerleave', () => host.hover(null)],
    [
      canvas,
      'wheel',
      (event: Event) => {
        const e = event as WheelEvent;
        e.preventDefault();
        camera.zoomBy(Math.exp(-e.deltaY * 0.0015), local(e));
        host.moved();
      },
      { passive: false }
    ],
    [
      root,
      'keydown',
      (event: Event) => {
        const e = event as KeyboardEvent;
        if (host.key(e)) {
          e.preventDefault();
          e.stopPropagation(); // keep JupyterLab's own shortcuts out of the viewer
        }
      }
    ]
  ];
  for (const [target, type, listener, options] of listeners) {
    target.addEventListener(type, listener, options);
  }
  return () => {
    for (const [target, type, listener] of listeners) {
      target.removeEventListener(type, listener);
    }
  };
}
