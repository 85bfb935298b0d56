/** What the viewer's keys act on. */
export interface IKeyHost {
  /** The axes with sliders, and the one the keys move (null: the first). */
  sliders(): string[];
  activeAxis(): string | null;
  step(axis: string, delta: number): void;
  cycleAxis(delta: number): void;
  zoomBy(factor: number): void;
  fit(): void;
  togglePlay(axis: string): void;
}

/**
 * The viewer's keys (docs/viewer.md, "Keys"), while it has the focus; true if the key was
 * one. Typing in a text field of the controls is left alone.
 */
export function handleKey(event: KeyboardEvent, host: IKeyHost): boolean {
  const target = event.target as HTMLElement;
  if (target.tagName === 'INPUT' && (target as HTMLInputElement).type !== 'range') {
    return false;
  }
  const sliders = host.sliders();
  const current = host.activeAxis();
  const active = current && sliders.includes(current) ? current : sliders[0];
  const step = (delta: number) => active && host.step(active, delta);
  const actions: Record<string, () => void> = {
    ArrowRight: () => step(1),
    '.': () => step(1),
    ArrowLeft: () => step(-1),
    ',': () => step(-1),
    PageUp: () => step(10),
    PageDown: () => step(-10),
    ArrowUp: () => host.cycleAxis(-1),
    ArrowDown: () => host.cycleAxis(1),
    '+': () => host.zoomBy(2),
    '=': () => host.zoomBy(2),
    '-': () => host.zoomBy(0.5),
    f: () => host.fit(),
    ' ': () => active && host.togglePlay(active)
  };
  const action = actions[event.key];
  if (!action) {
    return false;
  }
  action();
  return true;
}
