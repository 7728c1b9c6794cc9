/** Translated texts, as the panel writes them. */
import { TranslationBundle } from '@jupyterlab/translation';

/**
 * Translates a text and fills its %1, %2… with `args`. JupyterLab's bundles fill the
 * placeholders themselves, so the values must be passed along with the text: a text
 * with placeholders translated alone reads "undefined" where its values should be.
 */
export type Trans = (text: string, ...args: (string | number)[]) => string;

/** The panel's `trans` from a JupyterLab translation bundle. */
export function bundleTrans(bundle: TranslationBundle): Trans {
  return (text, ...args) => bundle.__(text, ...args);
}
