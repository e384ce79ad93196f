// Pure chart builders: vega specs and alt text for the executive email's charts. Nothing here
// renders or touches the file system, so every layout decision is testable on plain data.
// `charts.ts` turns these specs into SVG (vega, no canvas) and then PNG (resvg-wasm).
//
// Layout is fixed (CHART_WIDTH x CHART_HEIGHT logical pixels, `autosize: none`) so the PNG has a
// known size for the email's <img width height>. Text widths are estimated here (vega has no canvas
// to measure with in Node), so labels are placed with generous room rather than measured.
import type { Spec } from 'vega';
import type { Cents } from '../../domain/money';

export const CHART_WIDTH = 600;
export const CHART_HEIGHT = 300;
/** The family written into the SVG; resvg falls back to the one loaded font if it has another name. */
export const CHART_FONT_FAMILY = 'Inter, Helvetica, Arial, sans-serif';

/**
 * The PNGs are transparent, so a chart shows the e-mail's own background: white, or a dark grey
 * (about #121212 to #1e1e1e) in a client's dark mode. Every colour is a mid-tone that reads on both:
 * text has about 4:1 contrast on white and on #1e1e1e (4.5:1 on both is impossible for one colour;
 * ~4.1:1 is the most), bars and lines at least 3:1. Nothing is drawn in a background colour: gaps
 * are left empty instead, so no white shape shows up in dark mode.
 */
export const COLORS = {
  total: '#4C6FBF',
  increase: '#2FA36B',
  decrease: '#DD4B47',
  increaseText: '#278F5E',
  decreaseText: '#DB4B47',
  /** Titles, labels and axis text. */
  text: '#787F88',
  /** A neutral grey that the grid and the baseline draw with partial opacity (see GRID_OPACITY, AXIS_OPACITY). */
  rule: '#808080',
  connector: '#868C96',
  /** Annotation lines and their numbers. */
  annotation: '#9A66C2',
} as const;

/** The grid is the neutral grey at this opacity: light grey on white, dark grey on a dark background. */
export const GRID_OPACITY = 0.3;
/** The baseline (the plot's bottom edge), a little stronger than the grid. */
export const AXIS_OPACITY = 0.65;

/** Line colours in series order: blue, orange, green, purple (distinguishable with colour-blindness). */
export const SERIES_COLORS = ['#4C6FBF', '#D4742A', '#2FA36B', '#8E5BB5'] as const;

export interface ChartTextOptions {
  /** ISO 4217 code, e.g. `USD`. */
  currency: string;
  /** BCP 47 locale for numbers, e.g. `en-US`. */
  locale: string;
  /** Drawn at the top left of the image when given. */
  title?: string;
  /** A smaller line under the title, e.g. the period. */
  subtitle?: string;
}

// ---------------------------------------------------------------------------------------------
// Number formatting

/** Compact money from cents (`$1.2M`, `$84K`); `signed` adds `+` to increases. */
export function formatMoneyCompact(
  cents: Cents,
  currency: string,
  locale: string,
  opts: { signed?: boolean; significantDigits?: number } = {},
): string {
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    notation: 'compact',
    ...(opts.significantDigits !== undefined ? { maximumSignificantDigits: opts.significantDigits } : {}),
    ...(opts.signed ? { signDisplay: 'exceptZero' as const } : {}),
  }).format(cents / 100);
}

/** A fraction as a percent (`1.042` -> `104.2%`). */
export function formatPercent(value: number, locale: string, fractionDigits = 1): string {
  return new Intl.NumberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 0,
    maximumFractionDigits: fractionDigits,
  }).format(value);
}

/**
 * Labels for several totals shown side by side: at least `minDigits` significant digits, more
 * while two different values would print the same (`$12.3M` and `$12.3M` -> `$12.34M`, `$12.35M`).
 */
export function distinctMoneyLabels(values: Cents[], currency: string, locale: string, minDigits = 3): string[] {
  let labels: string[] = [];
  for (let digits = minDigits; digits <= 21; digits++) {
    labels = values.map((v) => formatMoneyCompact(v, currency, locale, { significantDigits: digits }));
    if (allDistinct(values, labels)) return labels;
  }
  return labels;
}

/** Axis labels for percent ticks: the fewest decimals, the same on every tick, that show each exactly. */
export function percentTickLabels(values: number[], locale: string): string[] {
  for (let digits = 0; digits < 6; digits++) {
    const f = 10 ** digits;
    if (values.every((v) => Math.abs(Math.round(v * 100 * f) - v * 100 * f) < 1e-6)) {
      const fmt = new Intl.NumberFormat(locale, {
        style: 'percent',
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
      return values.map((v) => fmt.format(v));
    }
  }
  return values.map((v) => formatPercent(v, locale, 6));
}

/** True when different values never share a label. */
function allDistinct(values: number[], labels: string[]): boolean {
  const byLabel = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const seen = byLabel.get(labels[i] as string);
    if (seen !== undefined && seen !== values[i]) return false;
    byLabel.set(labels[i] as string, values[i] as number);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Shared layout helpers

/** A rough text width for Inter (vega cannot measure without a canvas). */
export function estimateTextWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) {
    if (/[\u2E80-\u9FFF\uAC00-\uD7AF\uFF00-\uFFEF]/.test(ch)) em += 1;
    else if (/[MW%@]/.test(ch)) em += 0.85;
    else if (/[A-Z0-9$€£¥]/.test(ch)) em += 0.66;
    else if (/[.,:;'|!il1 ]/.test(ch)) em += 0.3;
    else em += 0.56;
  }
  return em * fontSize;
}

/** Left edge of titles and legends in the image. */
const HEADER_LEFT = 12;

interface Header {
  marks: NonNullable<Spec['marks']>;
  /** Pixels the header takes above the plot. */
  height: number;
}

/**
 * Title and subtitle marks, placed in the top padding: marks are positioned from the plot's origin,
 * so `plotTop` and `plotLeft` (the padding) shift them back to the image's top left corner.
 */
function header(opts: ChartTextOptions, plotTop: number, plotLeft: number): Header {
  const marks: NonNullable<Spec['marks']> = [];
  const x = HEADER_LEFT - plotLeft;
  let y = 22;
  if (opts.title) {
    marks.push(textMark('title', opts.title, { x, y: y - plotTop, size: 15, color: COLORS.text, align: 'left' }));
    y += 18;
  }
  if (opts.subtitle) {
    marks.push(textMark('subtitle', opts.subtitle, { x, y: y - plotTop, size: 12, color: COLORS.text, align: 'left' }));
    y += 16;
  }
  return { marks, height: opts.title || opts.subtitle ? y : 0 };
}

function textMark(
  name: string,
  text: string,
  p: { x: number; y: number; size: number; color: string; align: 'left' | 'right' | 'center' },
): NonNullable<Spec['marks']>[number] {
  return {
    type: 'text',
    name,
    encode: {
      enter: {
        x: { value: p.x },
        y: { value: p.y },
        text: { value: text },
        font: { value: CHART_FONT_FAMILY },
        fontSize: { value: p.size },
        fill: { value: p.color },
        align: { value: p.align },
        baseline: { value: 'alphabetic' },
      },
    },
  };
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number (got ${value})`);
}

// ---------------------------------------------------------------------------------------------
// ARR waterfall (bridge)

/** The bridge's figures in cents. Movements are magnitudes: the category gives the direction. */
export interface WaterfallInput {
  open: Cents;
  new: Cents;
  reactivation: Cents;
  expansion: Cents;
  contraction: Cents;
  churn: Cents;
  /** Signed: the effect of exchange rates (lines in other currencies). A bar only when non-zero. */
  fx?: Cents;
  close: Cents;
}

export type WaterfallKey = keyof WaterfallInput;

export interface WaterfallOptions extends ChartTextOptions {
  /** Category labels (default English: Open, New, Reactivation, Expansion, Contraction, Churn, Close). */
  labels?: Partial<Record<WaterfallKey, string>>;
}

export const WATERFALL_LABELS: Record<WaterfallKey, string> = {
  open: 'Open',
  new: 'New',
  reactivation: 'Reactivation',
  expansion: 'Expansion',
  contraction: 'Contraction',
  churn: 'Churn',
  fx: 'FX',
  close: 'Close',
};

const INCREASES = ['new', 'reactivation', 'expansion'] as const;
const DECREASES = ['contraction', 'churn'] as const;
const WATERFALL_ORDER: readonly WaterfallKey[] = ['open', ...INCREASES, ...DECREASES, 'close'];

/** The bars shown: the fx bar sits before Close, and only when exchange rates moved ARR. */
function waterfallOrder(input: WaterfallInput): WaterfallKey[] {
  return input.fx ? ['open', ...INCREASES, ...DECREASES, 'fx', 'close'] : [...WATERFALL_ORDER];
}

export interface WaterfallBar {
  key: WaterfallKey;
  label: string;
  kind: 'total' | 'increase' | 'decrease';
  /** Signed change for movements; the level for totals (cents). */
  value: Cents;
  /** Bottom and top of the bar (cents). */
  lo: Cents;
  hi: Cents;
  /** The formatted value label. */
  text: string;
}

export interface WaterfallLayout {
  bars: WaterfallBar[];
  /** The y domain (cents). `lo` is above zero when the axis is truncated to show small movements. */
  domain: [number, number];
  /** True when totals do not start at zero (the bars get a break mark). */
  truncated: boolean;
}

/** The bars of the bridge, their levels and the y domain. Pure; no vega. */
export function waterfallLayout(input: WaterfallInput, opts: WaterfallOptions): WaterfallLayout {
  for (const k of waterfallOrder(input)) requireFinite(k, input[k] as number);
  const labels = { ...WATERFALL_LABELS, ...opts.labels };
  // Three significant digits, as the e-mail's text prints money ($16.2M); more only when open and
  // close would otherwise read the same.
  const [openText, closeText] = distinctMoneyLabels([input.open, input.close], opts.currency, opts.locale, 3);
  const movementText = (v: Cents) => formatMoneyCompact(v, opts.currency, opts.locale, { signed: true });

  const movements: WaterfallBar[] = [];
  let level = input.open;
  const levels = [input.open, input.close];
  for (const key of INCREASES) {
    const v = Math.abs(input[key]);
    movements.push({
      key,
      label: labels[key],
      kind: 'increase',
      value: v,
      lo: level,
      hi: level + v,
      text: movementText(v),
    });
    level += v;
    levels.push(level);
  }
  for (const key of DECREASES) {
    const v = Math.abs(input[key]);
    movements.push({
      key,
      label: labels[key],
      kind: 'decrease',
      value: -v,
      lo: level - v,
      hi: level,
      text: movementText(-v),
    });
    level -= v;
    levels.push(level);
  }
  if (input.fx) {
    const v = input.fx;
    movements.push({
      key: 'fx',
      label: labels.fx,
      kind: v > 0 ? 'increase' : 'decrease',
      value: v,
      lo: Math.min(level, level + v),
      hi: Math.max(level, level + v),
      text: movementText(v),
    });
    level += v;
    levels.push(level);
  }

  // Weekly movements are often well under 1% of ARR: on a zero-based axis they would be hairlines.
  // When they are small against the totals, start the axis below the lowest level instead and mark
  // the total bars as broken.
  const minLevel = Math.min(...levels);
  const maxLevel = Math.max(...levels);
  const span = maxLevel - minLevel;
  let base = Math.min(0, minLevel);
  let truncated = false;
  if (minLevel > 0 && span > 0 && span < 0.35 * maxLevel) {
    base = Math.max(0, minLevel - span * 0.8);
    truncated = base > 0;
  }
  const top = maxLevel > base ? maxLevel : base + 1;

  const total = (key: 'open' | 'close', v: Cents, text: string): WaterfallBar => ({
    key,
    label: labels[key],
    kind: 'total',
    value: v,
    lo: Math.min(base, v),
    hi: Math.max(base, v),
    text,
  });
  const bars = [
    total('open', input.open, openText as string),
    ...movements,
    total('close', input.close, closeText as string),
  ];
  return { bars, domain: [base, top], truncated };
}

/**
 * A broken total bar, as a vega path in plot coordinates (x from the bar's left edge): the piece
 * above a slanted 4 px gap (6-10 px above the plot's bottom at the bar's left edge, 12-16 px at its
 * right edge) and the stub below it.
 */
const BROKEN_BAR_PATH = [
  "'M0,' + min(scale('y', datum.hi), height - 16)",
  "'L' + bandwidth('x') + ',' + min(scale('y', datum.hi), height - 16)",
  "'L' + bandwidth('x') + ',' + (height - 16)",
  "'L0,' + (height - 10) + 'Z'",
  "'M0,' + (height - 6)",
  "'L' + bandwidth('x') + ',' + (height - 12)",
  "'L' + bandwidth('x') + ',' + height",
  "'L0,' + height + 'Z'",
].join(' + ');

/** The vega spec of the ARR bridge waterfall. */
export function waterfallSpec(input: WaterfallInput, opts: WaterfallOptions): Spec {
  const layout = waterfallLayout(input, opts);
  const pad = { left: 12, right: 12, bottom: 30 };
  const plotTopWithoutHeader = 10;
  const head = header(opts, 0, 0);
  const padTop = head.height + plotTopWithoutHeader;
  const plotHeight = CHART_HEIGHT - padTop - pad.bottom;
  const plotWidth = CHART_WIDTH - pad.left - pad.right;
  // Header marks are placed relative to the plot origin.
  const headerMarks = header(opts, padTop, pad.left).marks;
  // The net change, top right: the one number the reader looks for first.
  const net = input.close - input.open;
  const netPercent =
    input.open > 0
      ? ` (${new Intl.NumberFormat(opts.locale, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' }).format(net / input.open)})` // as the text: +2.09%
      : '';
  const netText = `Net ${formatMoneyCompact(net, opts.currency, opts.locale, { signed: true })}${netPercent}`;
  headerMarks.push(
    textMark('net', netText, {
      x: plotWidth,
      y: 22 - padTop,
      size: 13,
      color: net > 0 ? COLORS.increaseText : net < 0 ? COLORS.decreaseText : COLORS.text,
      align: 'right',
    }),
  );

  // On a truncated axis the totals do not start at zero: they are drawn broken, in two pieces.
  const bars = layout.bars.map((b) => ({
    ...b,
    zero: b.lo === b.hi,
    broken: layout.truncated && b.kind === 'total' && b.hi > b.lo,
  }));
  const connectors = bars.slice(0, -1).map((b, i) => ({
    key: b.key,
    next: (bars[i + 1] as WaterfallBar).key,
    level: b.kind === 'decrease' ? b.lo : b.hi,
  }));
  // Labels for decreases go under the bar, unless the bar reaches the bottom of the plot.
  const labelBelowRoom = 18;

  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    description: 'ARR bridge waterfall',
    width: plotWidth,
    height: plotHeight,
    padding: { left: pad.left, right: pad.right, top: padTop, bottom: pad.bottom },
    autosize: 'none',
    // No background: the PNG is transparent and shows the e-mail's own (light or dark).
    data: [
      { name: 'bars', values: bars },
      { name: 'whole', source: 'bars', transform: [{ type: 'filter', expr: '!datum.broken' }] },
      { name: 'broken', source: 'bars', transform: [{ type: 'filter', expr: 'datum.broken' }] },
      { name: 'connectors', values: connectors },
    ],
    scales: [
      {
        name: 'x',
        type: 'band',
        domain: waterfallOrder(input),
        range: 'width',
        paddingInner: 0.32,
        paddingOuter: 0.16,
      },
      {
        name: 'y',
        type: 'linear',
        domain: layout.domain,
        // Leave room above the tallest bar for its value label.
        range: [plotHeight, 22],
        zero: false,
        nice: false,
        clamp: true,
      },
    ],
    marks: [
      ...headerMarks,
      {
        type: 'rule',
        name: 'connectors-mark',
        from: { data: 'connectors' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'key', offset: { scale: 'x', band: 1 } },
            x2: { scale: 'x', field: 'next' },
            y: { scale: 'y', field: 'level' },
            stroke: { value: COLORS.connector },
            strokeWidth: { value: 1 },
            strokeDash: { value: [3, 3] },
          },
        },
      },
      {
        type: 'rect',
        name: 'bars-mark',
        from: { data: 'whole' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'key' },
            width: { scale: 'x', band: 1 },
            // A zero movement is still drawn, as a 2 px line at its level.
            y: [
              { test: 'datum.zero', scale: 'y', field: 'hi', offset: -1 },
              { scale: 'y', field: 'hi' },
            ],
            y2: [
              { test: 'datum.zero', scale: 'y', field: 'lo', offset: 1 },
              { scale: 'y', field: 'lo' },
            ],
            fill: [
              { test: "datum.zero && datum.kind !== 'total'", value: COLORS.connector },
              { test: "datum.kind === 'increase'", value: COLORS.increase },
              { test: "datum.kind === 'decrease'", value: COLORS.decrease },
              { value: COLORS.total },
            ],
            cornerRadius: { value: 1.5 },
          },
        },
      },
      {
        // The "axis break": a total bar that does not start at zero is cut by a slanted gap near
        // the bottom of the plot. The gap is left empty (not painted white), so it shows the
        // e-mail's background in light and dark mode alike.
        type: 'path',
        name: 'broken-bars-mark',
        from: { data: 'broken' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'key' },
            y: { value: 0 },
            path: { signal: BROKEN_BAR_PATH },
            fill: { value: COLORS.total },
          },
        },
      },
      {
        type: 'rule',
        name: 'baseline-mark',
        encode: {
          enter: {
            x: { value: 0 },
            x2: { signal: 'width' },
            y: { signal: 'height' },
            stroke: { value: COLORS.rule },
            strokeOpacity: { value: AXIS_OPACITY },
            strokeWidth: { value: 1 },
          },
        },
      },
      {
        type: 'text',
        name: 'values-mark',
        from: { data: 'bars' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'key', band: 0.5 },
            y: [
              {
                test: `datum.kind === 'decrease' && scale('y', datum.lo) <= height - ${labelBelowRoom}`,
                scale: 'y',
                field: 'lo',
                offset: 14,
              },
              { scale: 'y', field: 'hi', offset: -6 },
            ],
            text: { field: 'text' },
            align: { value: 'center' },
            baseline: { value: 'alphabetic' },
            font: { value: CHART_FONT_FAMILY },
            fontSize: [{ test: "datum.kind === 'total'", value: 13 }, { value: 12 }],
            fill: [
              { test: "datum.zero && datum.kind !== 'total'", value: COLORS.text },
              { test: "datum.kind === 'increase'", value: COLORS.increaseText },
              { test: "datum.kind === 'decrease'", value: COLORS.decreaseText },
              { value: COLORS.text },
            ],
          },
        },
      },
      {
        type: 'text',
        name: 'categories-mark',
        from: { data: 'bars' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'key', band: 0.5 },
            y: { signal: 'height + 19' },
            text: { field: 'label' },
            align: { value: 'center' },
            baseline: { value: 'alphabetic' },
            font: { value: CHART_FONT_FAMILY },
            fontSize: { value: 11.5 },
            fill: { value: COLORS.text },
          },
        },
      },
    ],
  };
}

/** One sentence describing the bridge with its figures, for alt text. */
export function waterfallAlt(input: WaterfallInput, opts: WaterfallOptions): string {
  const layout = waterfallLayout(input, opts);
  const labels = { ...WATERFALL_LABELS, ...opts.labels };
  const open = layout.bars[0] as WaterfallBar;
  const close = layout.bars[layout.bars.length - 1] as WaterfallBar;
  const moves = layout.bars
    .filter((b) => b.kind !== 'total' && b.value !== 0)
    .map((b) => `${labels[b.key].toLowerCase()} ${b.text}`);
  const net = formatMoneyCompact(input.close - input.open, opts.currency, opts.locale, { signed: true });
  const subject = opts.title ?? 'ARR bridge';
  const movesText = moves.length === 0 ? 'no movements' : joinList(moves);
  return `${subject}: opening ARR ${open.text}, ${movesText}, closing ARR ${close.text} (net ${net}).`;
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// Trend lines

export interface TrendChartPoint {
  /** The x label, e.g. the ISO week `2026-W47` or `17 Nov`. */
  label: string;
  /** Series key -> value (cents for money, a fraction for percent); null is a gap. */
  values: Record<string, number | null>;
}

export interface TrendChartSeries {
  key: string;
  name: string;
  format: 'money' | 'percent';
}

/** A dated note drawn on a trend: a dashed line at the point's index and its number above the plot. */
export interface TrendMarker {
  /** Index of the point (week) the note's date falls in. */
  index: number;
  /** Short label drawn above the line, e.g. `1`; the e-mail and the pack list the notes by it. */
  label: string;
}

export interface TrendOptions extends ChartTextOptions {
  markers?: readonly TrendMarker[];
}

/** Round tick steps (1, 2, 2.5, 5 x 10^k) covering [min, max] with about `target` intervals. */
export function niceTicks(min: number, max: number, target = 4): number[] {
  if (!(max > min)) {
    const pad = Math.abs(min) * 0.05 || 1;
    return niceTicks(min - pad, max + pad, target);
  }
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) as number) * mag;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo, i = 0; v <= hi + step / 2 && i < 50; i++, v = lo + i * step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatterFor(series: TrendChartSeries, opts: TrendOptions): (v: number) => string {
  return series.format === 'money'
    ? (v) => formatMoneyCompact(v, opts.currency, opts.locale, { significantDigits: 3 })
    : (v) => formatPercent(v, opts.locale, 1);
}

function tickLabels(format: 'money' | 'percent', ticks: number[], opts: TrendOptions): string[] {
  return format === 'money'
    ? moneyTickLabels(ticks, opts.currency, opts.locale)
    : percentTickLabels(ticks, opts.locale);
}

/**
 * Axis labels for money ticks: the same number of decimals on every tick when they share a compact
 * unit (`$11.0M`, `$11.5M`, `$12.0M`), else as few significant digits as keep them apart
 * (`$900K`, `$950K`, `$1M`, `$1.05M`). Zero is always plain `$0`.
 */
export function moneyTickLabels(ticks: Cents[], currency: string, locale: string): string[] {
  const fixed = (digits: number) =>
    new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      notation: 'compact',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  const unitOf = (v: number) =>
    fixed(0)
      .formatToParts(v / 100)
      .filter((p) => p.type === 'compact')
      .map((p) => p.value)
      .join('');
  const nonZero = ticks.filter((t) => t !== 0);
  const units = new Set(nonZero.map(unitOf));
  const zero = formatMoneyCompact(0, currency, locale);
  if (units.size <= 1) {
    for (let digits = 0; digits <= 2; digits++) {
      const f = fixed(digits);
      const labels = ticks.map((t) => (t === 0 ? zero : f.format(t / 100)));
      if (allDistinct(ticks, labels)) return labels;
    }
  }
  // Fewest significant digits that show every tick exactly.
  const exact = ticks.map((t) => formatMoneyCompact(t, currency, locale, { significantDigits: 21 }));
  for (let digits = 1; digits < 21; digits++) {
    const labels = ticks.map((t) => formatMoneyCompact(t, currency, locale, { significantDigits: digits }));
    if (labels.every((l, i) => l === exact[i])) return labels;
  }
  return exact;
}

/** The last non-null value of a series and its index. */
function lastValue(points: TrendChartPoint[], key: string): { index: number; value: number } | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = (points[i] as TrendChartPoint).values[key];
    if (v !== null && v !== undefined) return { index: i, value: v };
  }
  return null;
}

function firstValue(points: TrendChartPoint[], key: string): { index: number; value: number } | null {
  for (let i = 0; i < points.length; i++) {
    const v = (points[i] as TrendChartPoint).values[key];
    if (v !== null && v !== undefined) return { index: i, value: v };
  }
  return null;
}

function validateTrend(points: TrendChartPoint[], series: TrendChartSeries[]): 'money' | 'percent' {
  if (series.length === 0) throw new RangeError('trendLines needs at least one series');
  const format = (series[0] as TrendChartSeries).format;
  if (series.some((s) => s.format !== format)) {
    throw new RangeError('trendLines draws one y axis: every series must have the same format');
  }
  for (const p of points) {
    for (const s of series) {
      const v = p.values[s.key];
      if (v !== null && v !== undefined) requireFinite(`${s.key} at ${p.label}`, v);
    }
  }
  return format;
}

/** A line chart of a few weekly series on one axis (money or percent); nulls are gaps. */
export function trendSpec(points: TrendChartPoint[], series: TrendChartSeries[], opts: TrendOptions): Spec {
  const format = validateTrend(points, series);
  const values = points
    .flatMap((p) => series.map((s) => p.values[s.key]))
    .filter((v): v is number => v !== null && v !== undefined);
  const hasData = values.length > 0;
  const ticks = hasData
    ? niceTicks(Math.min(...values), Math.max(...values))
    : format === 'percent'
      ? [0, 0.5, 1]
      : [0, 50_000_00, 100_000_00];
  const domain: [number, number] = [ticks[0] as number, ticks[ticks.length - 1] as number];
  const tickText = tickLabels(format, ticks, opts);

  // End labels: the latest value of each series, right of its last point.
  const endFont = 12;
  const ends = series.flatMap((s, si) => {
    const last = lastValue(points, s.key);
    return last
      ? [{ key: s.key, si, index: last.index, value: last.value, text: formatterFor(s, opts)(last.value) }]
      : [];
  });

  const padLeft = Math.ceil(Math.max(...tickText.map((t) => estimateTextWidth(t, 11)))) + 14;
  const padRight = Math.max(20, Math.ceil(Math.max(0, ...ends.map((e) => estimateTextWidth(e.text, endFont)))) + 18);
  const legendRow = series.length > 1 ? 28 : 0;
  const head = header(opts, 0, 0);
  const padTop = Math.max(head.height + legendRow + 14, 22);
  const padBottom = 30;
  const plotWidth = CHART_WIDTH - padLeft - padRight;
  const plotHeight = CHART_HEIGHT - padTop - padBottom;
  const yPixel = (v: number) => plotHeight - ((v - domain[0]) / (domain[1] - domain[0])) * plotHeight;

  // Keep end labels at least 14 px apart (top to bottom), within the plot.
  const placed = ends.map((e) => ({ ...e, y: yPixel(e.value) })).sort((a, b) => a.y - b.y);
  for (let i = 1; i < placed.length; i++) {
    const prev = placed[i - 1] as (typeof placed)[number];
    const cur = placed[i] as (typeof placed)[number];
    if (cur.y - prev.y < 14) cur.y = prev.y + 14;
  }
  const overflow = Math.max(0, (placed[placed.length - 1]?.y ?? 0) - (plotHeight + 4));
  for (const p of placed) p.y -= overflow;

  // At most about seven x labels, always including the latest week.
  const n = points.length;
  const widest = Math.max(0, ...points.map((p) => estimateTextWidth(p.label, 11)));
  const fit = Math.max(1, Math.floor(plotWidth / (widest + 14)));
  const every = Math.max(1, Math.ceil(n / Math.min(7, fit)));
  const xLabels = points.map((p, i) => ({ i, label: p.label })).filter((p) => (n - 1 - p.i) % every === 0);
  const markers = markerValues(opts.markers ?? [], n);

  const rows = points.flatMap((p, i) =>
    series.map((s) => {
      const v = p.values[s.key];
      const value = v === undefined ? null : v;
      const prev = i > 0 ? (points[i - 1] as TrendChartPoint).values[s.key] : null;
      const next = i < n - 1 ? (points[i + 1] as TrendChartPoint).values[s.key] : null;
      // A value between two gaps would be invisible as a line: draw it as a dot.
      const isolated = value !== null && (prev === null || prev === undefined) && (next === null || next === undefined);
      return {
        i,
        key: s.key,
        value,
        dot: value !== null && (isolated || i === (lastValue(points, s.key)?.index ?? -1)),
      };
    }),
  );

  const legendMarks: NonNullable<Spec['marks']> = [];
  if (series.length > 1) {
    let x = HEADER_LEFT - padLeft;
    const y = -legendRow + 4;
    series.forEach((s, si) => {
      const color = SERIES_COLORS[si % SERIES_COLORS.length] as string;
      legendMarks.push({
        type: 'rule',
        name: `legend-line-${si}`,
        encode: {
          enter: {
            x: { value: x },
            x2: { value: x + 16 },
            y: { value: y - 4 },
            stroke: { value: color },
            strokeWidth: { value: 2.5 },
            strokeCap: { value: 'round' },
          },
        },
      });
      legendMarks.push(textMark(`legend-${si}`, s.name, { x: x + 22, y, size: 12, color: COLORS.text, align: 'left' }));
      x += 22 + estimateTextWidth(s.name, 12) + 18;
    });
  }
  const headerMarks = header(opts, padTop, padLeft).marks;
  const reference = format === 'percent' && domain[0] < 1 && domain[1] > 1 && !ticks.includes(1) ? [1] : [];

  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    description: 'Weekly trend',
    width: plotWidth,
    height: plotHeight,
    padding: { left: padLeft, right: padRight, top: padTop, bottom: padBottom },
    autosize: 'none',
    // No background: the PNG is transparent and shows the e-mail's own (light or dark).
    data: [
      { name: 'points', values: rows },
      ...series.map((s, si) => ({
        name: `series-${si}`,
        source: 'points',
        transform: [{ type: 'filter' as const, expr: `datum.key === ${JSON.stringify(s.key)}` }],
      })),
      { name: 'dots', source: 'points', transform: [{ type: 'filter', expr: 'datum.dot' }] },
      {
        name: 'ticks',
        values: ticks.map((v, k) => ({ v, text: tickText[k], strong: format === 'percent' && v === 1 })),
      },
      { name: 'reference', values: reference.map((v) => ({ v })) },
      { name: 'xlabels', values: xLabels },
      { name: 'ends', values: placed },
      { name: 'markers', values: markers },
    ],
    scales: [
      { name: 'x', type: 'linear', domain: n > 1 ? [0, n - 1] : [-0.5, 0.5], range: 'width', zero: false, nice: false },
      { name: 'y', type: 'linear', domain, range: 'height', zero: false, nice: false },
      {
        name: 'color',
        type: 'ordinal',
        domain: series.map((s) => s.key),
        range: series.map((_, si) => SERIES_COLORS[si % SERIES_COLORS.length] as string),
      },
    ],
    marks: [
      ...headerMarks,
      ...legendMarks,
      {
        type: 'rule',
        name: 'grid-mark',
        from: { data: 'ticks' },
        encode: {
          enter: {
            x: { value: 0 },
            x2: { signal: 'width' },
            y: { scale: 'y', field: 'v' },
            stroke: [{ test: 'datum.strong', value: COLORS.connector }, { value: COLORS.rule }],
            strokeOpacity: [
              { test: 'datum.strong', value: 1 },
              { test: `datum.v === ${domain[0]}`, value: AXIS_OPACITY },
              { value: GRID_OPACITY },
            ],
            strokeWidth: { value: 1 },
            strokeDash: [{ test: 'datum.strong', value: [4, 3] }, { value: [] }],
          },
        },
      },
      {
        type: 'rule',
        name: 'reference-mark',
        from: { data: 'reference' },
        encode: {
          enter: {
            x: { value: 0 },
            x2: { signal: 'width' },
            y: { scale: 'y', field: 'v' },
            stroke: { value: COLORS.connector },
            strokeWidth: { value: 1 },
            strokeDash: { value: [4, 3] },
          },
        },
      },
      {
        type: 'text',
        name: 'y-labels-mark',
        from: { data: 'ticks' },
        encode: {
          enter: {
            x: { value: -8 },
            y: { scale: 'y', field: 'v' },
            text: { field: 'text' },
            align: { value: 'right' },
            baseline: { value: 'middle' },
            font: { value: CHART_FONT_FAMILY },
            fontSize: { value: 11 },
            fill: { value: COLORS.text },
          },
        },
      },
      {
        type: 'text',
        name: 'x-labels-mark',
        from: { data: 'xlabels' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'i' },
            y: { signal: 'height + 19' },
            text: { field: 'label' },
            align: { value: 'center' },
            baseline: { value: 'alphabetic' },
            font: { value: CHART_FONT_FAMILY },
            fontSize: { value: 11 },
            fill: { value: COLORS.text },
          },
        },
      },
      ...series.map((_s, si) => ({
        type: 'line' as const,
        name: `line-${si}`,
        from: { data: `series-${si}` },
        encode: {
          enter: {
            x: { scale: 'x', field: 'i' },
            y: { scale: 'y', field: 'value' },
            defined: { signal: 'datum.value !== null' },
            stroke: { value: SERIES_COLORS[si % SERIES_COLORS.length] as string },
            strokeWidth: { value: 2.5 },
            strokeCap: { value: 'round' as const },
            strokeJoin: { value: 'round' as const },
          },
        },
      })),
      {
        type: 'symbol',
        name: 'dots-mark',
        from: { data: 'dots' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'i' },
            y: { scale: 'y', field: 'value' },
            size: { value: 42 },
            shape: { value: 'circle' },
            // No ring in a background colour around the dot: it would be a white ring in dark mode.
            fill: { scale: 'color', field: 'key' },
          },
        },
      },
      {
        type: 'text',
        name: 'end-labels-mark',
        from: { data: 'ends' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'index', offset: 9 },
            y: { field: 'y' },
            text: { field: 'text' },
            align: { value: 'left' },
            baseline: { value: 'middle' },
            font: { value: CHART_FONT_FAMILY },
            fontSize: { value: endFont },
            fill: { value: COLORS.text },
          },
        },
      },
      ...(markers.length ? markerMarks() : []),
      ...(hasData
        ? []
        : [
            textMark('no-data', 'No data for this period', {
              x: plotWidth / 2,
              y: plotHeight / 2,
              size: 13,
              color: COLORS.text,
              align: 'center',
            }),
          ]),
    ],
  };
}

/** The weeks marked by annotations, one per week (several notes in one week share a line: `1,2`). */
function markerValues(markers: readonly TrendMarker[], n: number): { i: number; text: string }[] {
  const byIndex = new Map<number, string[]>();
  for (const m of markers) {
    if (Number.isInteger(m.index) && m.index >= 0 && m.index < n)
      byIndex.set(m.index, [...(byIndex.get(m.index) ?? []), m.label]);
  }
  return [...byIndex].sort(([a], [b]) => a - b).map(([i, labels]) => ({ i, text: labels.join(',') }));
}

/** Annotation markers: a dashed rule through the plot at each marked week and its label above it. */
function markerMarks(): NonNullable<Spec['marks']> {
  return [
    {
      type: 'rule',
      name: 'marker-rules-mark',
      from: { data: 'markers' },
      encode: {
        enter: {
          x: { scale: 'x', field: 'i' },
          y: { value: 0 },
          y2: { signal: 'height' },
          stroke: { value: COLORS.annotation },
          strokeWidth: { value: 1.25 },
          strokeDash: { value: [3, 3] },
        },
      },
    },
    {
      type: 'text',
      name: 'marker-labels-mark',
      from: { data: 'markers' },
      encode: {
        enter: {
          x: { scale: 'x', field: 'i' },
          y: { value: -3 },
          text: { field: 'text' },
          align: { value: 'center' },
          baseline: { value: 'bottom' },
          font: { value: CHART_FONT_FAMILY },
          fontSize: { value: 11 },
          fontWeight: { value: 'bold' },
          fill: { value: COLORS.annotation },
        },
      },
    },
  ];
}

/** One sentence describing the trend with first and latest values, for alt text. */
export function trendAlt(points: TrendChartPoint[], series: TrendChartSeries[], opts: TrendOptions): string {
  validateTrend(points, series);
  const subject = joinList(series.map((s) => s.name));
  const first = points[0]?.label;
  const last = points[points.length - 1]?.label;
  const span =
    points.length === 0
      ? ''
      : points.length === 1
        ? ` in ${first}`
        : ` over ${points.length} weeks (${first} to ${last})`;
  const single = series.length === 1;
  const parts = series.map((s) => {
    const fmt = formatterFor(s, opts);
    const name = single ? '' : `${s.name} `;
    const a = firstValue(points, s.key);
    const b = lastValue(points, s.key);
    if (!a || !b) return `${name}no data`;
    if (a.index === b.index) return `${name}${fmt(b.value)}`;
    return `${name}from ${fmt(a.value)} to ${fmt(b.value)}`;
  });
  return `${subject}${span}: ${joinList(parts)}.`;
}
