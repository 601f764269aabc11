/** `{{ NAME }}`: a variant's variable in the recipe's text or in a text file it uses (variants.ts). */
export const MARKER = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;

/** VALUE with each marker of its strings replaced by FILL(name); the input ISO's path is left as written. */
export function fillMarkers(value: unknown, fill: (name: string) => string): unknown {
  if (typeof value === 'string') return value.replace(MARKER, (_, name: string) => fill(name));
  if (Array.isArray(value)) return value.map((item) => fillMarkers(item, fill));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, key === 'input' ? item : fillMarkers(item, fill)]),
  );
}

/**
 * A recipe with variants, checked on its own: each marker stands as its variable's name (SITE), a
 * value any field takes; each variant is checked again once its values are filled in.
 */
export function withPlaceholders(data: unknown): unknown {
  const hasVariants = typeof data === 'object' && data !== null && 'variants' in data;
  if (!hasVariants) return data;
  const { variants, ...rest } = data as Record<string, unknown>;
  return { ...(fillMarkers(rest, (name) => name) as object), variants };
}
