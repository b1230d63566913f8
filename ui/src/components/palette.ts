import { useEffect, useState } from 'preact/hooks';

/**
 * Colours in the order that keeps the first ones farthest apart (Tableau's ten first), none the grey of "other".
 * Names get them in sorted order, one each, so no two names of one palette share a colour (a hash of the name once
 * gave web-2 and api-2 the same hue) and the few names of a small install get the most distinct ones.
 */
const BASE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#9c755f',
  '#ff9da7',
  '#2f4b7c',
  '#a0cbe8',
  '#8cd17d',
  '#d4a6c8',
  '#b6992d',
  '#86bcb6',
  '#d37295',
];

/** A colour beyond the base ones: golden-angle hues, lightness varied, always a new string. */
function extra(k: number): string {
  return `hsl(${((k * 137.508) % 360).toFixed(1)} ${k % 2 ? 55 : 70}% ${k % 3 ? 40 : 55}%)`;
}

/** One colour per name, never shared. */
export class Palette {
  private readonly colors = new Map<string, string>();
  private readonly listeners = new Set<() => void>();

  /** Gives a known set of names their colours in sorted order, so every view of the same names agrees. */
  seed(names: readonly string[]): void {
    this.colors.clear();
    for (const name of [...new Set(names)].sort()) this.color(name);
    for (const listener of this.listeners) listener();
  }

  /** The name's colour; a name not seen before takes the next one. */
  color(name: string): string {
    let color = this.colors.get(name);
    if (color === undefined) {
      const k = this.colors.size;
      color = k < BASE.length ? BASE[k]! : extra(k - BASE.length);
      this.colors.set(name, color);
    }
    return color;
  }

  /** Calls `listener` whenever the palette is seeded anew; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

/** Hosts: the same host has the same colour in rows, chart, lanes and the hosts page. */
export const hostPalette = new Palette();
/** Services, when the chart is stacked by service. */
export const servicePalette = new Palette();

export const hostColor = (host: string): string => hostPalette.color(host);

/** Level colours: the usual reading of severity. */
export const LEVEL_COLORS: Readonly<Record<string, string>> = {
  fatal: '#7b1fa2',
  error: '#c0392b',
  warn: '#d4a017',
  info: '#4682b4',
  debug: '#7f8c8d',
  trace: '#bdc3c7',
};

/** The grey of "other" and of series without a value. */
export const OTHER_COLOR = '#95a5a6';

/** A number that changes whenever the host palette is seeded: components that cache colours depend on it. */
export function usePaletteVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => hostPalette.subscribe(() => setVersion((v) => v + 1)), []);
  return version;
}
