const UNIT_SYMBOLS: Record<string, string> = {
  nanometer: 'nm',
  micrometer: 'µm',
  millimeter: 'mm',
  centimeter: 'cm',
  meter: 'm',
  kilometer: 'km',
  angstrom: 'Å',
  second: 's',
  millisecond: 'ms'
};

export function unitSymbol(unit: string | null | undefined): string {
  if (!unit) {
    return '';
  }
  return UNIT_SYMBOLS[unit] ?? unit;
}

/**
 * The longest "nice" length (1, 2 or 5 times a power of ten) that fits in `maxPixels`, given
 * how many screen pixels one physical unit takes. Returns the length and its width in pixels.
 */
export function niceLength(pixelsPerUnit: number, maxPixels: number): { length: number; pixels: number } {
  if (!(pixelsPerUnit > 0) || !(maxPixels > 0)) {
    return { length: 0, pixels: 0 };
  }
  const most = maxPixels / pixelsPerUnit;
  const power = 10 ** Math.floor(Math.log10(most));
  let length = power;
  for (const m of [5, 2, 1]) {
    if (m * power <= most) {
      length = m * power;
      break;
    }
  }
  return { length, pixels: length * pixelsPerUnit };
}

export function formatLength(length: number, unit: string | null | undefined): string {
  const digits = length >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(length)));
  return `${length.toFixed(digits)}${unit ? ` ${unitSymbol(unit)}` : ' px'}`;
}
