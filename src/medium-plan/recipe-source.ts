/**
 * What a planner needs of the recipe besides the typed fields it reads: where the recipe's paths
 * resolve and where its fields stand, for errors only the plan can find. The loaded recipe is one.
 */
export interface RecipeSource {
  /** The recipe's folder: its relative paths resolve (confined) there. */
  dir: string;
  /** "recipe.yaml:LINE:COL FIELD:" for a field of the recipe. */
  locate: (path: readonly (string | number)[]) => string;
}
